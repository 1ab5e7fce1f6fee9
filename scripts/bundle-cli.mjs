// Bundle the compiled CLI into one file: resolving and loading ~100 modules from node_modules is
// most of `rke2-chatops certs`' start-up (about 0.6 s unbundled vs 0.25 s bundled on the lab box).
// CommonJS, so that on Node 20 the launcher can compile it from V8's code cache (src/cli/code-cache.ts);
// Node 22+ caches it itself. The long-running bot (dist/main.js) stays unbundled: it starts once.
import { build } from "esbuild";

await build({
  entryPoints: ["dist/cli/main.js"],
  outfile: "dist/cli/rke2-chatops.bundle.cjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  // The sources are ES modules: import.meta.url is the bundle's own URL.
  define: { "import.meta.url": "__rke2BundleUrl" },
  banner: { js: 'const __rke2BundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  // Optional native add-ons ssh2 tries and falls back from; @peculiar/x509 is loaded lazily, only
  // for certificates the fast DER reader does not handle.
  external: ["cpu-features", "*.node", "@peculiar/x509"],
  logLevel: "warning",
});
