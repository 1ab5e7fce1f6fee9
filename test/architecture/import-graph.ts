import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Folder-level import graph of src/: edge "from -> to" with the first file that makes it. */
export type FolderGraph = Map<string, Map<string, string>>;

// Static imports and re-exports (type-only too: they couple layers just the same) and import().
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

const tsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(path.join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [path.join(dir, e.name)]
        : [],
  );

/** The top-level folder under src/ a path is in; files directly in src/ are entry points. */
const folderOf = (srcDir: string, file: string): string => {
  const rel = path.relative(srcDir, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : "(entry)";
};

export function folderGraph(srcDir: string): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const file of tsFiles(srcDir)) {
    const from = folderOf(srcDir, file);
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (path.relative(srcDir, target).startsWith("..")) continue;
      const to = folderOf(srcDir, target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, path.relative(srcDir, file));
      graph.set(from, edges);
    }
  }
  return graph;
}

/** A cycle as "a -> b -> a (a/x.ts, b/y.ts)", or undefined when the graph is acyclic. */
export function findCycle(graph: FolderGraph): string | undefined {
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (node: string): string | undefined => {
    const at = stack.indexOf(node);
    if (at >= 0) {
      const loop = [...stack.slice(at), node];
      const files = loop.slice(0, -1).map((n, i) => graph.get(n)!.get(loop[i + 1]!)!);
      return `${loop.join(" -> ")} (${files.join(", ")})`;
    }
    if (done.has(node)) return undefined;
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}
