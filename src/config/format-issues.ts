import type { z } from "zod";

/** `clusters[0].nodes[2].role` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || "(top level)";
}

/** One readable line per problem, naming the key path. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    if (i.code === "unrecognized_keys") {
      return i.keys.map((k) => `${formatPath([...i.path, k])}: unknown key`).join("\n");
    }
    // zod says "expected string, received undefined" for a key that is simply not there.
    if (i.code === "invalid_type" && /received undefined/.test(i.message))
      return `${formatPath(i.path)}: required but missing (expected ${i.expected})`;
    return `${formatPath(i.path)}: ${i.message}`;
  });
}
