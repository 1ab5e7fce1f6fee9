// `node dist/main.js` is what `npm start` runs: build it first when it is missing or older than src/.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function buildNeeded(root: string): "missing" | "stale" | undefined {
  const main = join(root, "dist", "main.js");
  if (!existsSync(main)) return "missing";
  return newestMtime(join(root, "src")) > statSync(main).mtimeMs ? "stale" : undefined;
}

/** `tsc -p tsconfig.build.json` (what `npm run build` runs). Resolves with tsc's output when it fails. */
export function buildBot(root: string): Promise<{ ok: boolean; output: string }> {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", (err) => resolve({ ok: false, output: err.message }));
    child.on("exit", (code) =>
      resolve({ ok: code === 0 && existsSync(join(root, "dist", "main.js")), output }),
    );
  });
}
