import type { NodeSpec } from "../../config/inventory.js";
import {
  fetchActionScript,
  probeActionScript,
  START_BUSY,
  START_RECORDED,
  startActionScript,
  stopActionScript,
  type ActionRef,
} from "../../rke2/node-action-script.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { RemoteCommand } from "../../ssh/shell-quote.js";
import type { CommandResult } from "../../ssh/ssh-executor.js";
import { ConnectionLostError } from "./remote-access.js";

/** What the node's record says about one attempt, after waiting out a run in progress. */
export type ActionProbe =
  { state: "none" } | { state: "lost" } | { state: "finished"; result: CommandResult };

type Run = (node: NodeSpec, cmd: RemoteCommand, opts?: { timeoutMs?: number }) => Promise<CommandResult>;

export interface NodeActionDeps {
  run: Run;
  clock: Clock;
  signal?: AbortSignal;
  /** Bound of one act when the caller gives none (the engine's command timeout). */
  defaultTimeoutMs: number;
  log: Logger;
}

/** Short SSH commands: each must answer quickly, whatever the command under the lock does. */
const SHORT_MS = 30_000;
/** A probe waits this long on the lock for a running attempt (well inside SHORT_MS). */
const LONG_POLL_S = 20;
/** A probe that said "running" much sooner than it was asked to wait is not hammered again at once. */
const BACKOFF_MS = 1000;

type Seen = { state: "none" | "lost" | "done" } | { state: "running"; elapsedMs: number };

function parseProbe(stdout: string, node: string): Seen {
  const [word, n] = stdout.trim().split(/\s+/);
  if (word === "none" || word === "lost" || word === "done") return { state: word };
  if (word === "running") return { state: "running", elapsedMs: Math.max(0, Number(n) || 0) * 1000 };
  throw new Error(`unexpected answer from the action record on ${node}: ${stdout.trim() || "(empty)"}`);
}

/**
 * At-most-once remote commands: started detached (setsid) under a node-side flock named after the
 * operation, node and step, with the exit code and output left in files on the node. A dropped
 * SSH session only loses the watcher: the next probe finds the command running (wait for it) or
 * finished (take its result). Nothing here ever starts a command a second time.
 */
export function createNodeActions(d: NodeActionDeps) {
  const short = (node: NodeSpec, cmd: RemoteCommand) => d.run(node, cmd, { timeoutMs: SHORT_MS });

  async function probeOnce(node: NodeSpec, a: ActionRef, waitSeconds: number): Promise<Seen> {
    const res = await short(node, probeActionScript(a, waitSeconds));
    if (res.code !== 0) throw new Error(`cannot read the action record on ${node.name}: exit ${res.code}`);
    return parseProbe(res.stdout, node.name);
  }

  async function fetch(node: NodeSpec, a: ActionRef, durationMs: number): Promise<CommandResult> {
    const res = await short(node, fetchActionScript(a));
    return { ...res, durationMs };
  }

  async function stop(node: NodeSpec, a: ActionRef, timeoutMs: number): Promise<CommandResult> {
    const secs = Math.round(timeoutMs / 1000);
    const why = `timed out after ${secs} s; stopped on the node`;
    const res = await short(node, stopActionScript(a, why));
    const word = res.stdout.trim();
    d.log.warn({ node: node.name, action: a.key, attempt: a.attempt, outcome: word }, "act timed out");
    if (word === "finished") return fetch(node, a, timeoutMs);
    const rec = await fetch(node, a, timeoutMs);
    const note = word === "stopped" ? why : `timed out after ${secs} s; could NOT be stopped on the node`;
    return { ...rec, code: null, timedOut: true, stderr: `${rec.stderr.trim()}\n${note}`.trim() };
  }

  /**
   * Long-poll the attempt's lock while it runs, so its end is seen at once rather than at the next
   * poll; past `timeoutMs` of its run time, stop it as root.
   */
  async function waitFor(node: NodeSpec, a: ActionRef, timeoutMs: number): Promise<ActionProbe> {
    let leftMs = timeoutMs;
    for (;;) {
      const waitS = Math.max(1, Math.min(LONG_POLL_S, Math.ceil(leftMs / 1000)));
      const asked = d.clock.now().getTime();
      const seen = await probeOnce(node, a, waitS);
      if (seen.state !== "running") {
        if (seen.state !== "done") return { state: seen.state };
        return { state: "finished", result: await fetch(node, a, 0) };
      }
      if (seen.elapsedMs >= timeoutMs) return { state: "finished", result: await stop(node, a, timeoutMs) };
      leftMs = timeoutMs - seen.elapsedMs;
      // flock gave up early (not a timeout): wait on the clock instead of spinning on the node.
      if (d.clock.now().getTime() - asked < (waitS * 1000) / 2)
        await d.clock.sleep(Math.min(BACKOFF_MS, leftMs), d.signal);
    }
  }

  return {
    /** Read (and wait out) what an earlier run of this attempt left on the node. */
    probeAction(node: NodeSpec, a: ActionRef, opts?: { timeoutMs?: number }): Promise<ActionProbe> {
      return waitFor(node, a, opts?.timeoutMs ?? d.defaultTimeoutMs);
    },

    /** Run `cmd` once for this attempt and return its result (or the result it recorded). */
    async runOnce(
      node: NodeSpec,
      a: ActionRef,
      cmd: RemoteCommand,
      opts?: { timeoutMs?: number },
    ): Promise<CommandResult> {
      const timeoutMs = opts?.timeoutMs ?? d.defaultTimeoutMs;
      const t0 = d.clock.now().getTime();
      for (let tries = 0; ; tries++) {
        const started = await short(node, startActionScript(a, cmd));
        if (started.code !== 0 && started.code !== START_BUSY && started.code !== START_RECORDED)
          return { ...started, stderr: `cannot start the command on ${node.name}: ${started.stderr}` };
        const seen = await waitFor(node, a, timeoutMs);
        if (seen.state === "finished")
          return { ...seen.result, durationMs: seen.result.durationMs || d.clock.now().getTime() - t0 };
        if (seen.state === "lost")
          throw new ConnectionLostError(
            node.name,
            `the command's runner on ${node.name} ended without an exit code`,
          );
        // "none" after "busy": the lock holder was a probe, not a run. Start again (a few times).
        if (started.code !== START_BUSY || tries >= 5)
          throw new Error(`the command did not start on ${node.name} (no record after starting it)`);
      }
    },
  };
}

export type NodeActions = ReturnType<typeof createNodeActions>;
