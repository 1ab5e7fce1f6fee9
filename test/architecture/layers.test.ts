import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { findCycle, folderGraph, type FolderGraph } from "./import-graph.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const src = path.join(root, "src");
// The real lint config (eslint.config.js), only its layer rule: this test is about imports.
const eslint = new ESLint({ cwd: root, ruleFilter: ({ ruleId }) => ruleId === "no-restricted-imports" });

const PROBE = [
  'import { renderNotice } from "../slack/blocks/render-notice.js";',
  'import type { Redis } from "ioredis";',
  'import { connectSsh } from "../ssh/connect.js";',
  'import { sh } from "../ssh/shell-quote.js";',
  'import type { SshExecutor } from "../ssh/ssh-executor.js";',
  'export type { Job } from "bullmq";',
  "export const probe = [renderNotice, connectSsh, sh] as unknown as [Redis, SshExecutor];",
].join("\n");

async function layerErrors(relPath: string, code: string): Promise<number[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, relPath) });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.line);
}

describe("layers", () => {
  it("lint rejects an inner folder importing slack/, ioredis, bullmq or the ssh2 adapter", async () => {
    // Lines 1, 2, 3 and 6 cross a layer; the SSH port (4, 5) is allowed.
    expect(await layerErrors("src/operations/layers-probe.ts", PROBE)).toEqual([1, 2, 3, 6]);
    expect(await layerErrors("src/scan/layers-probe.ts", PROBE)).toEqual([1, 2, 3, 6]);
    expect(await layerErrors("src/certs/layers-probe.ts", PROBE)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("lint rejects an outward arrow between inner folders and from queue/ to slack/", async () => {
    expect(await layerErrors("src/certs/probe.ts", 'export * from "../rke2/paths.js";')).toEqual([1]);
    expect(await layerErrors("src/rke2/probe.ts", 'export * from "../operations/index.js";')).toEqual([1]);
    expect(await layerErrors("src/queue/probe.ts", 'export * from "../slack/chat-error.js";')).toEqual([1]);
  });

  it("the composition root may import every layer", async () => {
    expect(await layerErrors("src/main/layers-probe.ts", PROBE)).toEqual([]);
  });

  it("src/ has no layer violation", { timeout: 300_000 }, async () => {
    const results = await eslint.lintFiles(["src"]);
    const breaches = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === "no-restricted-imports")
        .map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`),
    );
    expect(results.length).toBeGreaterThan(100);
    expect(breaches).toEqual([]);
  });

  it("the cycle finder names the loop and the files that close it", () => {
    const g: FolderGraph = new Map([
      ["a", new Map([["b", "a/x.ts"]])],
      ["b", new Map([["c", "b/y.ts"]])],
      ["c", new Map([["a", "c/z.ts"]])],
    ]);
    expect(findCycle(g)).toBe("a -> b -> c -> a (a/x.ts, b/y.ts, c/z.ts)");
    g.get("c")!.delete("a");
    expect(findCycle(g)).toBeUndefined();
  });

  it("src/ folders import one way: no folder-level cycle", () => {
    const g = folderGraph(src);
    // The scanner sees real arrows (a broken scanner would find no cycle either).
    expect([...(g.get("operations")?.keys() ?? [])]).toEqual(expect.arrayContaining(["rke2", "shared"]));
    expect([...(g.get("main")?.keys() ?? [])]).toEqual(
      expect.arrayContaining(["operations", "queue", "slack"]),
    );
    expect(findCycle(g)).toBeUndefined();
  });
});
