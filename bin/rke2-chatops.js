#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "dist", "cli", "main.js");
if (!existsSync(entry)) {
  console.error(`rke2-chatops: ${entry} is missing; run \`npm run build\` in ${root}`);
  process.exit(70);
}
const { main } = await import(entry);
await main(process.argv.slice(2));
