import type { z } from "zod";
import type { OperationDefinition } from "./definition.js";

/** The one validation of an operation's argument words: the params, or why not (one line). */
export function parseArgs(
  def: Pick<OperationDefinition, "args" | "command" | "unavailable">,
  args: readonly string[],
): { ok: true; params: Record<string, unknown> } | { ok: false; message: string } {
  const r = def.args.safeParse(args);
  if (r.success) {
    const refused = def.unavailable?.(r.data);
    return refused ? { ok: false, message: refused } : { ok: true, params: r.data };
  }
  const issue = argIssue(r.error.issues);
  const index = issue?.path[0];
  const at = typeof index === "number" ? `\`${String(args[index] ?? "").slice(0, 70)}\`: ` : "";
  const usage = def.command ? ` (usage: ${def.command.usage})` : "";
  return { ok: false, message: `${at}${issue?.message ?? "invalid arguments"}${usage}` };
}

/** The issue to show: unions nest their branches' issues, prefer the deepest one that names an argument. */
export function argIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  const flat = issues.flatMap((i) => (i.code === "invalid_union" ? i.errors.flat().concat(i) : [i]));
  return flat.find((i) => typeof i.path[0] === "number") ?? flat[0];
}
