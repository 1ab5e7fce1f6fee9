#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
// The one-file bundle starts in less than half the time; the plain build is the fallback.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "dist", "cli", "rke2-chatops.bundle.cjs");
const plain = join(root, "dist", "cli", "main.js");
if (!existsSync(bundle) && !existsSync(plain)) {
  console.error(`rke2-chatops: ${plain} is missing; run \`npm run build\` in ${root}`);
  process.exit(70);
}
// Most of a cold start is V8 compiling the bundle: Node 22+ keeps the compiled code on disk itself;
// on Node 20 the bundle is compiled from a code cache of our own (dist/cli/code-cache.js).
const { default: mod } = await import("node:module");
let cli;
if (!existsSync(bundle)) cli = await import(plain);
else if (mod.enableCompileCache) {
  mod.enableCompileCache();
  cli = createRequire(import.meta.url)(bundle);
} else {
  const cache = await import(join(root, "dist", "cli", "code-cache.js"));
  cli = cache.loadWithCodeCache(bundle, cache.codeCacheDir()).exports;
}
await cli.main(process.argv.slice(2));
