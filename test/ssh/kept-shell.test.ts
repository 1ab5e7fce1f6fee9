import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Inventory, NodeSpec } from "../../src/config/inventory.js";
import { loadInventory } from "../../src/config/load-inventory.js";
import { createLogger } from "../../src/shared/logger.js";
import { readCertFilesCommand } from "../../src/rke2/read-cert-files.js";
import type { RemoteCommand } from "../../src/ssh/shell-quote.js";
import { createSsh2Executor, type Ssh2Executor } from "../../src/ssh/ssh2-executor.js";
import type { CommandResult, NodeSession } from "../../src/ssh/ssh-executor.js";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";

const ns = namespacesAvailable();
const cmd = (line: string): RemoteCommand => ({ line });
/** What a caller can see of a result (the duration aside). */
const seen = (r: CommandResult) => ({
  code: r.code,
  stdout: r.stdout,
  stderr: r.stderr,
  truncated: r.truncated,
  timedOut: r.timedOut,
});
/** The pid of the shell a command ran in: a subshell of the kept shell reports the kept shell's. */
const shellPid = async (s: NodeSession, readOnly = true) =>
  (await s.run(cmd("echo $$"), { readOnly })).stdout.trim();

describe.skipIf(!ns.ok)("read-only commands in the kept shell of a warm connection (real sshd)", () => {
  let sim: SimCluster;
  let node: NodeSpec;
  let executor: Ssh2Executor;
  const open = (o: Parameters<typeof createSsh2Executor>[0] = {}) => {
    executor = createSsh2Executor({ keepAliveMs: 120_000, connectAttempts: 1, ...o });
    return executor.open(node);
  };

  beforeAll(async () => {
    sim = await startSimCluster({ name: "kept", nodes: standardNodes(1, 0) });
    const inv: Inventory = loadInventory(sim.writeInventory());
    node = inv.clusters[0]!.nodes[0]!;
  });
  afterEach(async () => {
    await executor?.close();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("runs every read-only command in one shell, with the same stdout, stderr, exit code and truncation as an exec", async () => {
    const s = await open({ maxOutputBytes: 1000 });
    const lines = [
      "printf 'no newline at the end'",
      "echo out; echo err >&2; exit 3",
      "true",
      "printf 'caf\\303\\251 \\342\\234\\223\\n'",
      "echo 'it'\\''s' \"two\nlines\"",
      // A forged end of command: without this command's nonce it is only output.
      "printf '\\n0123456789abcdef01234567 0\\n'; printf '\\n0123456789abcdef01234567\\n' >&2; echo after",
      "head -c 5000 /dev/zero | tr '\\000' a", // past the 1000-byte cap
      "head -c 3000 /dev/zero | tr '\\000' b >&2; echo fine",
      "exit 255",
      readCertFilesCommand().line, // what the scan reads
    ];
    const pids = new Set<string>();
    for (const line of lines) {
      const exec = await s.run(cmd(line));
      const kept = await s.run(cmd(line), { readOnly: true });
      expect(seen(kept), line).toEqual(seen(exec));
      pids.add(await shellPid(s));
    }
    expect(pids.size).toBe(1); // one kept shell served all of them
    const fresh = new Set([await shellPid(s, false), await shellPid(s, false)]);
    expect(fresh.size).toBe(2); // an exec starts a new shell every time
    expect(fresh.has([...pids][0]!)).toBe(false);
    expect(executor.poolStats().open).toBe(1);
    await s.close();
  });

  it("a syntax error fails that command with status 2, as in a fresh shell, and the shell keeps serving", async () => {
    const s = await open();
    const pid = await shellPid(s);
    const bad = await s.run(cmd("if then fi"), { readOnly: true });
    expect(bad.code).toBe((await s.run(cmd("if then fi"))).code);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/syntax error/i);
    expect(await shellPid(s)).toBe(pid);
    await s.close();
  });

  it("nothing one command sets (directory, variables, options, umask, traps, stdin) reaches the next", async () => {
    const s = await open();
    const probe = cmd(
      'pwd; echo "${X-unset}"; umask; case $- in *e*) echo errexit;; esac; read -r l; echo "read $?"',
    );
    const before = await s.run(probe, { readOnly: true });
    const pid = await shellPid(s);
    const messy = await s.run(
      cmd(
        "cd /tmp; X=1; export X; set -e; umask 077; trap 'echo trapped' EXIT; exec 0</etc/hostname; exit 7",
      ),
      { readOnly: true },
    );
    expect(messy.code).toBe(7);
    const after = await s.run(probe, { readOnly: true });
    expect(after.stdout).toBe(before.stdout);
    expect(after.stdout).toBe((await s.run(probe)).stdout); // what a fresh exec sees
    expect(after.stdout).toContain("read 1"); // stdin is at its end, as for an exec
    expect(await shellPid(s)).toBe(pid);
    await s.close();
  });

  it("a command past its timeout is stopped as an exec is, and the next one gets a new shell", async () => {
    const s = await open();
    const pid = await shellPid(s);
    const slow = await s.run(cmd("echo started; sleep 30"), { readOnly: true, timeoutMs: 500 });
    expect(seen(slow)).toEqual({
      code: null,
      stdout: "started\n",
      stderr: "",
      truncated: false,
      timedOut: true,
    });
    expect(slow.durationMs).toBeLessThan(10_000);
    const next = await shellPid(s);
    expect(next).not.toBe(pid);
    expect(next).toMatch(/^\d+$/);
    await s.close();
  });

  it("an abort stops the command (null code, not a timeout) and the connection stays usable", async () => {
    const s = await open();
    const ac = new AbortController();
    const run = s.run(cmd("sleep 30"), { readOnly: true, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const r = await run;
    expect(r.code).toBeNull();
    expect(r.timedOut).toBe(false);
    await expect(s.run(cmd("echo $$"), { readOnly: true, signal: ac.signal })).rejects.toThrow(/aborted/);
    expect((await s.run(cmd("echo ok"), { readOnly: true })).stdout).toBe("ok\n");
    await s.close();
  });

  it("a shell killed on the node mid-command: the command only reads, so it is answered by an exec", async () => {
    const s = await open();
    const pid = await shellPid(s);
    const run = s.run(cmd("sleep 1; echo done"), { readOnly: true });
    await new Promise((r) => setTimeout(r, 200));
    expect((await s.run(cmd(`kill -9 ${pid}`))).code).toBe(0);
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("done\n");
    const next = await shellPid(s);
    expect(next).not.toBe(pid); // a new kept shell
    expect(await shellPid(s)).toBe(next);
    await s.close();
  });

  it("a second read-only command while the shell is busy, stdin, or keep-alive 0 use exec", async () => {
    let s = await open();
    const pid = await shellPid(s);
    const [a, b] = await Promise.all([
      s.run(cmd("sleep 0.3; echo $$"), { readOnly: true }),
      s.run(cmd("echo $$"), { readOnly: true }),
    ]);
    expect(new Set([a.stdout.trim(), b.stdout.trim()]).size).toBe(2);
    expect([a.stdout.trim(), b.stdout.trim()]).toContain(pid);
    const withInput = await s.run(cmd("cat; echo $$"), { readOnly: true, stdin: "input\n" });
    expect(withInput.stdout).toMatch(/^input\n\d+\n$/);
    expect(withInput.stdout).not.toContain(pid);
    await s.close();
    await executor.close();

    s = await open({ keepAliveMs: 0 });
    expect(await shellPid(s)).not.toBe(await shellPid(s));
    await s.close();
  });

  it("a connection cut mid-command is an error that says the outcome is unknown, not an empty answer", async () => {
    const s = await open();
    await shellPid(s); // the kept shell is up
    const run = s.run(cmd("sleep 5; echo late"), { readOnly: true });
    await new Promise((r) => setTimeout(r, 200));
    const end = Date.now() + 3000;
    while (sim.dropSessions(node.name) === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await expect(run).rejects.toThrow(/dropped while running a command; its outcome is unknown/);
    await s.close();
  });

  it.each([
    ["never answers (a ForceCommand that swallows input)", "cat >/dev/null", /no answer within 0.3 s/],
    ["prints a banner first", "echo welcome; exec /bin/sh -s", /does not answer as a POSIX shell/],
    ["ends at once", "true", /it ended at once/],
  ])(
    "a node whose shell %s is read through exec, asked once, and says so in the log",
    async (_what, command, why) => {
      const lines: string[] = [];
      executor = createSsh2Executor({
        keepAliveMs: 120_000,
        connectAttempts: 1,
        keptShell: { command, readyMs: 300 },
        logger: createLogger("info", { write: (l: string) => void lines.push(l) }),
      });
      const s = await executor.open(node);
      const a = await shellPid(s);
      const b = await shellPid(s);
      expect(a).toMatch(/^\d+$/);
      expect(b).not.toBe(a); // each one a fresh exec
      const again = await executor.open(node); // the same node on another session: not asked again
      expect((await again.run(cmd("echo ok"), { readOnly: true })).stdout).toBe("ok\n");
      const refusals = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message: string } });
      const refused = refusals.filter((l) => l.msg.startsWith("kept shell refused"));
      expect(refused).toHaveLength(1);
      expect(refused[0]!.err?.message).toMatch(why);
      await s.close();
      await again.close();
    },
  );
});
