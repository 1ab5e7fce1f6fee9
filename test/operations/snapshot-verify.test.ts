import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespacesAvailable, standardNodes, startSimCluster, type SimCluster } from "../rig/sim-cluster.js";
import type { SizedFile } from "../../src/operations/common/snapshot-file.js";
import { find, SNAPSHOT } from "./support/command-log.js";
import { atGate, createHarness, finished, REQUESTER, type Harness } from "./support/harness.js";
import { textOf } from "./support/recording-chat.js";

const avail = namespacesAvailable();
const SNAP_DIR = "server/db/snapshots";

describe.skipIf(!avail.ok)("the etcd snapshot reported is the one save wrote, never a .part", () => {
  let sim: SimCluster;
  let h: Harness;

  beforeAll(async () => {
    sim = await startSimCluster({ name: "snappart", nodes: standardNodes(3, 0) });
    h = await createHarness(sim, inject("redisUrl"));
  });
  afterAll(async () => {
    await h?.close();
    await sim?.stop();
  });

  const plant = (node: string, file: string, bytes: number) => {
    const dir = join(sim.nodes.find((n) => n.name === node)!.dataDir, SNAP_DIR);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), Buffer.alloc(bytes, 7));
  };

  it(
    "chooses the save's own file over a larger interrupted .part, and after a lost save output picks the finished file, never the .part",
    { timeout: 120_000 },
    async () => {
      const req = await h.ops.request("rotate", sim.name, [], { userId: REQUESTER });
      expect(req.ok, req.message).toBe(true);
      const id = req.operationId!;
      const base = `rke2-chatops-${id}`;
      const unix = Math.floor(Date.now() / 1000);
      // cp-1: an interrupted save left a 1 MiB .part, newer and larger than any real snapshot here.
      plant("cp-1", `${base}-cp-1-${unix + 60}.part`, 1 << 20);
      // cp-2: a save that finished before its worker died (output never recorded), and a later
      // interrupted one; cp-3: only a .part, as after a save killed half-way.
      plant("cp-2", `${base}-cp-2-${unix - 30}`, 20_000);
      plant("cp-2", `${base}-cp-2-${unix - 10}.part`, 1 << 20);
      plant("cp-3", `${base}-cp-3-${unix - 10}.part`, 1 << 20);

      const t0 = Date.now();
      expect((await h.click(id, "approve")).ok).toBe(true);
      const op = await h.waitFor(id, atGate(1));
      const saves = find(
        sim.commandLog().filter((e) => e.t >= t0),
        undefined,
        SNAPSHOT,
      );
      // A .part never counts as done, so cp-1 and cp-3 save; cp-2's finished file is found by `ls`.
      expect(saves.map((e) => e.node).sort()).toEqual(["cp-1", "cp-3"]);

      const nodes = await h.ledger.nodes(id);
      const report = h.chat.thread(op.message!.ts).map(textOf).join("\n");
      expect(report).not.toContain(".part");
      for (const s of ["cp-1", "cp-2", "cp-3"]) {
        const f = nodes.get(s)!.facts;
        const snap = f.snapshot as SizedFile;
        expect(snap.path, s).toMatch(new RegExp(`^/var/lib/rancher/rke2/${SNAP_DIR}/${base}-${s}-\\d+$`));
        const host = join(
          sim.nodes.find((n) => n.name === s)!.dataDir,
          snap.path.slice("/var/lib/rancher/rke2/".length),
        );
        expect(statSync(host).size, s).toBe(snap.size);
        expect(snap.size, s).toBeGreaterThan(0);
        expect(report, s).toContain(snap.path);
        if (s === "cp-2")
          expect(snap.path).toBe(`/var/lib/rancher/rke2/${SNAP_DIR}/${base}-cp-2-${unix - 30}`);
        // the exact file save reported, not merely one matching the pattern
        else expect(snap.path.endsWith(`/${String(f.snapshotReported)}`), s).toBe(true);
      }

      expect((await h.click(id, "reject")).ok).toBe(true);
      expect((await h.waitFor(id, finished)).status).not.toBe("completed");
    },
  );
});
