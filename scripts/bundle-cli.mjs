// Bundle the compiled CLI into one file: resolving and loading ~100 modules from node_modules is
// most of `rke2-chatops certs`' start-up (about 0.6 s unbundled vs 0.25 s bundled on the lab box).
// The long-running bot (dist/main.js) stays unbundled: it starts once.
import { build } from "esbuild";

const banner = [
  // Bundled CommonJS dependencies (ssh2, ioredis) expect require/__dirname in an ES module.
  'import { createRequire as __rke2Require } from "node:module";',
  'import { dirname as __rke2Dirname } from "node:path";',
  'import { fileURLToPath as __rke2Path } from "node:url";',
  "const require = __rke2Require(import.meta.url);",
  "const __filename = __rke2Path(import.meta.url);",
  "const __dirname = __rke2Dirname(__filename);",
].join("\n");

await build({
  entryPoints: ["dist/cli/main.js"],
  outfile: "dist/cli/rke2-chatops.bundle.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  banner: { js: banner },
  // Optional native add-ons ssh2 tries and falls back from; @peculiar/x509 is loaded lazily, only
  // for certificates the fast DER reader does not handle.
  external: ["cpu-features", "*.node", "@peculiar/x509"],
  logLevel: "warning",
});
