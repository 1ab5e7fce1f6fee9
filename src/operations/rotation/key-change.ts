import { escapeMrkdwn, inlineCode } from "../../shared/mrkdwn.js";
import type { LeafFact } from "./renewal.js";

/** LeafFact gained publicKeySha256 with the SPKI fingerprint; ledgers written before lack it. */
const spki = (l: LeafFact): string | undefined =>
  (l as LeafFact & { publicKeySha256?: string }).publicKeySha256;

export interface KeyChange {
  leaf: LeafFact;
  before?: string;
  after?: string;
  /** undefined when either side's public-key fingerprint is unknown. */
  changed?: boolean;
}

/** Each leaf recorded before, matched by slot to its successor: did its public key change? */
export function keyChanges(before: readonly LeafFact[], after: readonly LeafFact[]): KeyChange[] {
  const byKey = new Map(after.map((l) => [l.key, l]));
  return before.map((b) => {
    const a = byKey.get(b.key);
    const [pb, pa] = [spki(b), a && spki(a)];
    return { leaf: b, before: pb, after: pa, ...(pb && pa ? { changed: pb !== pa } : {}) };
  });
}

/** The table cell: "14/14" new keys, or "—" when fingerprints were not recorded. */
export function newKeysCell(changes: readonly KeyChange[]): string {
  const known = changes.filter((c) => c.changed !== undefined);
  if (known.length === 0) return "—";
  return `${known.filter((c) => c.changed).length}/${known.length}`;
}

const short = (h?: string) => (h ? `${h.slice(0, 16)}…` : "?");
const MAX_LISTED = 20;

/**
 * Per leaf whose key did not change (a restart renewal keeps keys; a security-driven rotation must
 * not): node, file and the SPKI SHA-256 before/after. Fingerprints of public keys only, never keys.
 */
export function keyChangeNotes(perNode: ReadonlyArray<{ node: string; changes: KeyChange[] }>): string[] {
  const kept = perNode.flatMap(({ node, changes }) =>
    changes.filter((c) => c.changed === false).map((c) => ({ node, c })),
  );
  const known = perNode.some(({ changes }) => changes.some((c) => c.changed !== undefined));
  if (!known) return [];
  if (kept.length === 0)
    return [
      "Every leaf has a new key pair: each public key fingerprint (SPKI SHA-256) differs before and after.",
    ];
  const lines = kept
    .slice(0, MAX_LISTED)
    .map(
      ({ node, c }) =>
        `• *${escapeMrkdwn(node)}* ${inlineCode(c.leaf.path)}: same key (SPKI SHA-256 ${inlineCode(short(c.before))} before and after)`,
    );
  const more =
    kept.length > MAX_LISTED ? [`…and ${kept.length - MAX_LISTED} more leaves that kept their key.`] : [];
  return [
    `:warning: ${kept.length} leaf certificate${kept.length === 1 ? "" : "s"} renewed with the *same public key*:`,
    ...lines,
    ...more,
  ];
}
