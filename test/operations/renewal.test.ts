import { describe, expect, it } from "vitest";
import {
  compareLeaf,
  compareLeaves,
  rotationState,
  shortLived,
  type LeafFact,
} from "../../src/operations/rotation/renewal.js";

const leaf = (over: Partial<LeafFact> = {}): LeafFact => ({
  key: "/var/lib/rancher/rke2/server/tls/client-admin.crt#0",
  path: "/var/lib/rancher/rke2/server/tls/client-admin.crt",
  subject: "system:admin",
  serial: "0a",
  fingerprint256: "aa",
  notAfter: "2026-06-01T00:00:00.000Z",
  ...over,
});

describe("renewal rule (issue 7)", () => {
  it("counts a new serial with a later not-after as renewed, whatever the not-before", () => {
    // LeafFact deliberately has no not-before: RKE2 copies the CA's, so it can never prove a renewal.
    expect(
      compareLeaf(leaf(), leaf({ serial: "0b", fingerprint256: "bb", notAfter: "2027-06-01T00:00:00.000Z" })),
    ).toBe("renewed");
    expect(compareLeaf(leaf(), leaf({ fingerprint256: "bb", notAfter: "2027-06-01T00:00:00.000Z" }))).toBe(
      "renewed",
    );
  });
  it("refuses an unchanged leaf, a missing leaf, and a new serial without a later not-after", () => {
    expect(compareLeaf(leaf(), leaf())).toBe("unchanged");
    expect(compareLeaf(leaf(), undefined)).toBe("missing");
    expect(compareLeaf(leaf(), leaf({ serial: "0c", fingerprint256: "cc" }))).toBe("not-later");
    expect(
      compareLeaf(leaf(), leaf({ serial: "0c", fingerprint256: "cc", notAfter: "2026-01-01T00:00:00.000Z" })),
    ).toBe("not-later");
  });
  it("keeps an unchanged serial unchanged even when only the not-after text differs in format", () => {
    expect(compareLeaf(leaf(), leaf({ notAfter: "2026-06-01T00:00:00Z" }))).toBe("unchanged");
  });
  it("tells a half-run rotation (files deleted) from an untouched and a finished one", () => {
    const a = leaf();
    const b = leaf({ key: "k2", path: "p2", serial: "1a", fingerprint256: "1f" });
    const renewedA = leaf({ serial: "2a", fingerprint256: "2f", notAfter: "2027-06-01T00:00:00.000Z" });
    const renewedB = { ...b, serial: "3a", fingerprint256: "3f", notAfter: "2027-06-01T00:00:00.000Z" };
    expect(rotationState(compareLeaves([a, b], [a, b]))).toBe("untouched");
    expect(rotationState(compareLeaves([a, b], [a]))).toBe("deleted");
    expect(rotationState(compareLeaves([a, b], [renewedA, renewedB]))).toBe("renewed");
    expect(rotationState(compareLeaves([a, b], [renewedA, b]))).toBe("mixed");
  });
  it("warns (from the configured window, not a constant) when a renewed leaf is already inside the renewal window", () => {
    const now = new Date("2026-05-01T00:00:00Z");
    const cmp = compareLeaves(
      [leaf()],
      [leaf({ serial: "0b", fingerprint256: "bb", notAfter: "2026-08-01T00:00:00.000Z" })],
    );
    expect(shortLived(cmp, now, 120)).toHaveLength(1);
    expect(shortLived(cmp, now, 60)).toHaveLength(0);
  });
});
