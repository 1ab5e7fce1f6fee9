import { describe, expect, it } from "vitest";
import {
  isSnapshotOf,
  localPath,
  parseSnapshotList,
  parseSnapshotSaved,
  snapshotTime,
} from "../../src/rke2/etcd-snapshots.js";

// Reference §5, verbatim format (tabwriter, padding 1).
const LS = `Name                               Location                                                                            Size    Created
on-demand-cp-01-1754907117         file:///var/lib/rancher/rke2/server/db/snapshots/on-demand-cp-01-1754907117         8937504 2025-08-11T10:11:57Z
etcd-snapshot-cp-01-1754913600.zip file:///var/lib/rancher/rke2/server/db/snapshots/etcd-snapshot-cp-01-1754913600.zip 2101873 2025-08-11T12:00:00Z
on-demand-cp-01-1754907200         s3://backups/rke2/on-demand-cp-01-1754907200                                        8937504 2025-08-11T10:13:20Z
`;

describe("rke2 etcd-snapshot output", () => {
  it("reads the name from save's log line (the last one when several)", () => {
    const err =
      'time="2025-08-11T10:11:57Z" level=info msg="Saving etcd snapshot to /var/lib/rancher/rke2/server/db/snapshots/on-demand-cp-01-1754907117"\n' +
      'time="2025-08-11T10:11:57Z" level=info msg="Snapshot on-demand-cp-01-1754907117 saved."\n';
    expect(parseSnapshotSaved(err)).toBe("on-demand-cp-01-1754907117");
    expect(parseSnapshotSaved("Snapshot a-1 saved.\nSnapshot b-2 saved.")).toBe("b-2");
    expect(parseSnapshotSaved('level=fatal msg="etcd snapshot failed"')).toBeUndefined();
  });
  it("parses the ls table: names, locations, sizes; header and log lines skipped", () => {
    const rows = parseSnapshotList(
      `${LS}time="x" level=info msg="Managed etcd cluster bootstrap already complete"\n`,
    );
    expect(rows.map((r) => [r.name, r.size])).toEqual([
      ["on-demand-cp-01-1754907117", 8937504],
      ["etcd-snapshot-cp-01-1754913600.zip", 2101873],
      ["on-demand-cp-01-1754907200", 8937504],
    ]);
    expect(rows.map((r) => localPath(r.location))).toEqual([
      "/var/lib/rancher/rke2/server/db/snapshots/on-demand-cp-01-1754907117",
      "/var/lib/rancher/rke2/server/db/snapshots/etcd-snapshot-cp-01-1754913600.zip",
      undefined,
    ]);
  });
  it("matches only finished snapshots of this name and node, never a .part", () => {
    expect(isSnapshotOf("rke2-chatops-rot-1-cp-1-1754907117", "rke2-chatops-rot-1", "cp-1")).toBe(true);
    expect(isSnapshotOf("rke2-chatops-rot-1-cp-1-1754907117.zip", "rke2-chatops-rot-1", "cp-1")).toBe(true);
    expect(isSnapshotOf("rke2-chatops-rot-1-cp-1-1754907117.part", "rke2-chatops-rot-1", "cp-1")).toBe(false);
    expect(isSnapshotOf("rke2-chatops-rot-1-cp-1-1754907117.zip.part", "rke2-chatops-rot-1", "cp-1")).toBe(
      false,
    );
    expect(isSnapshotOf("rke2-chatops-rot-1-cp-10-1754907117", "rke2-chatops-rot-1", "cp-1")).toBe(false);
    expect(isSnapshotOf("rke2-chatops-rot-12-cp-1-1754907117", "rke2-chatops-rot-1", "cp-1")).toBe(false);
    // a node name with regex metacharacters is matched literally
    expect(isSnapshotOf("n-a.b-1", "n", "a.b")).toBe(true);
    expect(isSnapshotOf("n-aXb-1", "n", "a.b")).toBe(false);
    expect(snapshotTime("x-cp-1-1754913600.zip")).toBe(1754913600);
  });
});
