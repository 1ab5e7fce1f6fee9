import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, inject } from "vitest";
import type { AuditEntry, OpRecord } from "../../../src/operations/engine/records.js";
import type { CommandLogEntry, SimCluster } from "../../rig/sim-cluster.js";
import { find } from "./command-log.js";
import { APPROVERS, atGate, finished, REQUESTER, type Harness } from "./harness.js";
import { SupervisedWorker } from "./worker-process.js";

/** What the API-side harness of a crash run needs: no workers of its own, the child's prefix and chat file. */
export interface CrashHarnessOptions {
  workers: false;
  prefix: string;
  chatFile: string;
}

export interface CrashRunOptions {
  /** Names the temp dir and the key prefix. */
  name: string;
  inventoryYaml: string;
  crashAt?: readonly string[];
  harness: (redisUrl: string, opts: CrashHarnessOptions) => Promise<Harness>;
}

export interface CrashRun {
  /** The API side, in this process (requests, clicks, the ledger). */
  h: Harness;
  /** The only worker: a child process, restarted after each death. */
  worker: SupervisedWorker;
  /** Key prefix and chat file the worker uses (another replica joins with the same). */
  prefix: string;
  chatFile: string;
  /** The probe points the worker SIGKILLed itself at so far, in order. */
  crashed(): string[];
  /** Stop the worker, then close the harness. */
  close(): Promise<void>;
}

/**
 * One crash-test run: its own temp dir, inventory file, key prefix and chat file; the harness
 * built by `harness` (it must pass the options on); then a supervised child worker
 * (test/operations/worker-entry.ts) that SIGKILLs itself once at each of `crashAt`.
 */
export async function startCrashRun(o: CrashRunOptions): Promise<CrashRun> {
  const dir = mkdtempSync(join(tmpdir(), `${o.name}-`));
  const inventoryPath = join(dir, "rke2-chatops.yaml");
  writeFileSync(inventoryPath, o.inventoryYaml);
  const prefix = `${o.name}-${Math.random().toString(36).slice(2, 8)}`;
  const chatFile = join(dir, "chat.jsonl");
  const markFile = join(dir, "crashed");
  const redisUrl = inject("redisUrl");
  const h = await o.harness(redisUrl, { workers: false, prefix, chatFile });
  const worker = new SupervisedWorker({
    REDIS_URL: redisUrl,
    OPS_PREFIX: prefix,
    INVENTORY_PATH: inventoryPath,
    CHAT_FILE: chatFile,
    CRASH_AT: (o.crashAt ?? []).join(","),
    CRASH_MARK: markFile,
  });
  try {
    await worker.start();
  } catch (err) {
    await worker.stop();
    await h.close();
    throw err;
  }
  return {
    h,
    worker,
    prefix,
    chatFile,
    crashed: () => (existsSync(markFile) ? readFileSync(markFile, "utf8").split("\n").filter(Boolean) : []),
    async close() {
      await worker.stop();
      await h.close();
    },
  };
}

/** Approve an operation's three approval gates in turn, as two distinct approvers; its finished record. */
async function approveThreePhases(h: Harness, id: string): Promise<OpRecord> {
  expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
  await h.waitFor(id, atGate(1));
  expect((await h.click(id, "approve", APPROVERS[1])).ok).toBe(true);
  await h.waitFor(id, atGate(2), 120_000);
  expect((await h.click(id, "approve", APPROVERS[0])).ok).toBe(true);
  return h.waitFor(id, finished, 120_000);
}

/** What a crash run left behind, for the test to hold against an uninterrupted run. */
export interface CrashOutcome {
  id: string;
  op: OpRecord;
  /** The rig's commands since the request. */
  log: CommandLogEntry[];
  crashed: string[];
  deaths: number;
  audit: AuditEntry[];
  /** The worker's stderr, for assertion messages. */
  errors: string;
}

/**
 * A whole crash run: `kind` requested on `sim` as REQUESTER, its three gates approved, awaited to
 * the end while `during` (e.g. killWorkerWhen) runs alongside; then the worker and harness closed.
 */
export async function crashAndResume(
  o: CrashRunOptions & {
    sim: SimCluster;
    kind: string;
    args?: string[];
    during?: (worker: SupervisedWorker, t0: number) => Promise<void>;
  },
): Promise<CrashOutcome> {
  const run = await startCrashRun(o);
  const { h, worker } = run;
  const t0 = Date.now();
  try {
    const req = await h.ops.request(o.kind, o.sim.name, o.args ?? [], { userId: REQUESTER });
    expect(req.ok, req.message).toBe(true);
    const id = req.operationId!;
    const during = o.during?.(worker, t0);
    const op = await approveThreePhases(h, id);
    await during;
    return {
      id,
      op,
      log: o.sim.commandLog().filter((e) => e.t >= t0),
      crashed: run.crashed(),
      deaths: worker.deaths,
      audit: await h.ledger.audit(id),
      errors: worker.errors(),
    };
  } finally {
    await run.close();
  }
}

/**
 * SIGKILL the worker from outside, `afterMs` after `node` started (or, with `succeeded`, finished
 * with exit 0) a command matching `re` since `t0`: a crash in the middle of a step, not at a probe.
 */
export async function killWorkerWhen(o: {
  sim: SimCluster;
  worker: SupervisedWorker;
  t0: number;
  node: string;
  re: RegExp;
  succeeded?: boolean;
  afterMs: number;
  timeoutMs: number;
}): Promise<void> {
  const end = Date.now() + o.timeoutMs;
  while (Date.now() < end) {
    const runs = find(
      o.sim.commandLog().filter((e) => e.t >= o.t0),
      o.node,
      o.re,
    );
    if (runs.some((e) => !o.succeeded || e.exitCode === 0)) {
      await sleep(o.afterMs);
      o.worker.kill();
      return;
    }
    await sleep(50);
  }
  throw new Error(`${o.re} never ${o.succeeded ? "succeeded" : "started"} on ${o.node}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
