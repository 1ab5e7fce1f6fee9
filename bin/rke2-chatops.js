#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
// The one-file bundle starts in less than half the time; the plain build is the fallback.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "dist", "cli", "rke2-chatops.bundle.mjs");
const plain = join(root, "dist", "cli", "main.js");
const entry = existsSync(bundle) ? bundle : plain;
if (!existsSync(entry)) {
  console.error(`rke2-chatops: ${plain} is missing; run \`npm run build\` in ${root}`);
  process.exit(70);
}
// Node 22+ keeps V8's compiled code on disk between runs (most of a cold start is compiling the
// bundle); Node 20 has no such API and simply compiles.
const { default: mod } = await import("node:module");
mod.enableCompileCache?.();
const { main } = await import(entry);
await main(process.argv.slice(2));
