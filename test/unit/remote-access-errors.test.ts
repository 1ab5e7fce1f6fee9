import { describe, expect, it } from "vitest";
import { parseInventory } from "../../src/config/load-inventory.js";
import { ConnectionLostError, createRemoteAccess } from "../../src/operations/engine/remote-access.js";
import { silentLogger } from "../../src/shared/logger.js";
import { sh } from "../../src/ssh/shell-quote.js";
import { SshError, type SshErrorKind } from "../../src/ssh/ssh-error.js";
import type { SshExecutor } from "../../src/ssh/ssh-executor.js";
import { ManualClock } from "../support/manual-clock.js";

const KEY = "SHA256:" + "A".repeat(43);
const inv = parseInventory(
  `clusters:
  - name: prod
    channel: C0PRODOPS
    nodes:
      - { name: s1, host: 127.0.0.1, role: server, hostKey: "${KEY}" }
`,
  "/tmp/inv.yaml",
);
const cluster = inv.clusters[0]!;
const node = cluster.nodes[0]!;

/** An executor (the bot's own port, not ssh2) whose sessions fail every command with `kind`. */
const failingWith = (kind: SshErrorKind): SshExecutor => ({
  open: async (n) => ({
    node: n,
    run: async () => {
      throw new SshError(kind, n.name, `${kind} on ${n.name}`);
    },
    close: async () => undefined,
  }),
});

const remoteOver = (executor: SshExecutor) =>
  createRemoteAccess({
    executor,
    cluster,
    clock: new ManualClock(),
    log: silentLogger,
    policy: { renewalWindowDays: 120, alertDays: [30] },
    commandTimeoutMs: 5000,
  });

describe("remote access reads SshError.retryable", () => {
  it.each(["disconnected", "unreachable", "timeout"] as const)(
    "%s is a lost connection: the engine reconnects and re-checks",
    async (kind) => {
      const err = await remoteOver(failingWith(kind))
        .run(node, sh`true`)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionLostError);
      expect(err).toMatchObject({ node: "s1", message: `${kind} on s1`, retryable: true });
      expect((err as Error).cause).toBeInstanceOf(SshError);
    },
  );

  it.each(["host-key-mismatch", "auth-failed", "key-unreadable", "busy", "aborted"] as const)(
    "%s fails as it is: reconnecting cannot help",
    async (kind) => {
      const err = await remoteOver(failingWith(kind))
        .run(node, sh`true`)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshError);
      expect(err).toMatchObject({ kind, retryable: false });
    },
  );
});
