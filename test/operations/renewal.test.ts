import { describe, expect, it } from "vitest";
import {
  compareLeaf,
  compareLeaves,
  leafFacts,
  rotationState,
  verdictReason,
  type LeafFact,
  type RenewalPolicy,
} from "../../src/operations/rotation/renewal.js";
import type { CertRecord } from "../../src/certs/cert-types.js";

const now = new Date("2026-05-01T00:00:00.000Z");
const policy: RenewalPolicy = { now, renewalWindowDays: 120 };
const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000).toISOString();

const leaf = (over: Partial<LeafFact> = {}): LeafFact => ({
  key: "/var/lib/rancher/rke2/server/tls/client-admin.crt#0",
  path: "/var/lib/rancher/rke2/server/tls/client-admin.crt",
  subject: "system:admin",
  serial: "0a",
  fingerprint256: "aa",
  notBefore: inDays(-300),
  notAfter: inDays(30),
  ...over,
});
const reissued = (over: Partial<LeafFact> = {}) => leaf({ serial: "0b", fingerprint256: "bb", ...over });

describe("renewal rule (issue 14: new serial, valid now, expiry beyond the renewal window)", () => {
  it("counts a new serial or fingerprint, valid now, expiring beyond the window as renewed", () => {
    expect(compareLeaf(leaf(), reissued({ notAfter: inDays(365) }), policy)).toBe("renewed");
    expect(compareLeaf(leaf(), leaf({ fingerprint256: "bb", notAfter: inDays(365) }), policy)).toBe(
      "renewed",
    );
  });
  it("renews a future-dated leaf even though its replacement expires earlier than it did", () => {
    const skewed = leaf({ notBefore: inDays(30), notAfter: inDays(400) });
    expect(compareLeaf(skewed, reissued({ notAfter: inDays(365) }), policy)).toBe("renewed");
  });
  it("renews an expired leaf", () => {
    expect(compareLeaf(leaf({ notAfter: inDays(-5) }), reissued({ notAfter: inDays(365) }), policy)).toBe(
      "renewed",
    );
  });
  it("refuses an unchanged and a missing leaf", () => {
    expect(compareLeaf(leaf(), leaf(), policy)).toBe("unchanged");
    expect(compareLeaf(leaf(), leaf({ notAfter: inDays(30).replace(".000Z", "Z") }), policy)).toBe(
      "unchanged",
    );
    expect(compareLeaf(leaf(), undefined, policy)).toBe("missing");
  });
  it("refuses a re-issued leaf that is not valid now: future-dated or already expired", () => {
    expect(compareLeaf(leaf(), reissued({ notBefore: inDays(1), notAfter: inDays(366) }), policy)).toBe(
      "not-valid-now",
    );
    expect(compareLeaf(leaf(), reissued({ notBefore: inDays(-400), notAfter: inDays(-1) }), policy)).toBe(
      "not-valid-now",
    );
  });
  it("judges the window from the configured value, not a constant, and only strictly beyond it", () => {
    const short = reissued({ notAfter: inDays(90) });
    expect(compareLeaf(leaf(), short, policy)).toBe("inside-window");
    expect(compareLeaf(leaf(), short, { now, renewalWindowDays: 60 })).toBe("renewed");
    expect(compareLeaf(leaf(), reissued({ notAfter: inDays(120) }), policy)).toBe("inside-window");
  });
  it("treats a not-before missing from an older ledger as not known (only the expiry is judged)", () => {
    const { notBefore: _unused, ...old } = reissued({ notAfter: inDays(365) });
    void _unused;
    expect(compareLeaf(leaf(), old, policy)).toBe("renewed");
    expect(compareLeaf(leaf(), { ...old, notAfter: inDays(-1) }, policy)).toBe("not-valid-now");
  });
  it("says what is wrong with each refused leaf", () => {
    const cmp = compareLeaves(
      [leaf(), leaf({ key: "k2" }), leaf({ key: "k3" }), leaf({ key: "k4" })],
      [
        reissued({ notAfter: inDays(90) }),
        leaf({ key: "k2" }),
        reissued({ key: "k4", notBefore: inDays(2), notAfter: inDays(367) }),
      ],
      policy,
    );
    expect(cmp.map((c) => c.verdict)).toEqual(["inside-window", "unchanged", "missing", "not-valid-now"]);
    expect(verdictReason(cmp[0]!, policy)).toBe(
      "new certificate expires in 90 days, inside the 120-day renewal window",
    );
    expect(verdictReason(cmp[1]!, policy)).toMatch(/same serial/);
    expect(verdictReason(cmp[2]!, policy)).toMatch(/missing/);
    expect(verdictReason(cmp[3]!, policy)).toContain(`valid ${inDays(2)} to ${inDays(367)}`);
  });
  it("tells a half-run rotation (files deleted) from an untouched, a finished and a mixed one", () => {
    const a = leaf();
    const b = leaf({ key: "k2", path: "p2", serial: "1a", fingerprint256: "1f" });
    const renewedA = reissued({ serial: "2a", fingerprint256: "2f", notAfter: inDays(365) });
    const renewedB = { ...b, serial: "3a", fingerprint256: "3f", notAfter: inDays(365) };
    const cmp = (after: LeafFact[]) => rotationState(compareLeaves([a, b], after, policy));
    expect(cmp([a, b])).toBe("untouched");
    expect(cmp([a])).toBe("deleted");
    expect(cmp([renewedA, renewedB])).toBe("renewed");
    expect(cmp([renewedA, b])).toBe("mixed");
    // Re-issued inside the window or not valid now: not renewed, so a Retry rotates again.
    expect(cmp([renewedA, { ...renewedB, notAfter: inDays(90) }])).toBe("mixed");
    expect(cmp([renewedA, { ...renewedB, notBefore: inDays(3) }])).toBe("mixed");
  });
  it("records the not-before of each leaf from the scanned facts", () => {
    const rec = {
      cluster: "c",
      node: "n",
      source: { path: "/p.crt", index: 0 },
      status: "ok",
      facts: {
        serial: "0a",
        fingerprint256: "aa",
        subjectCN: "x",
        notBefore: inDays(-1),
        notAfter: inDays(9),
        isCA: false,
      },
    } as unknown as CertRecord;
    expect(leafFacts([rec])[0]).toMatchObject({
      key: "/p.crt#0",
      notBefore: inDays(-1),
      notAfter: inDays(9),
    });
  });
});
