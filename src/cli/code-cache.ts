// Most of a cold `rke2-chatops certs` start-up is V8 compiling the 2.8 MB bundle. Node 22+ keeps
// compiled code on disk (module.enableCompileCache, used by the launcher); Node 20 has no such API,
// so there the launcher runs the bundle through vm.Script with V8's code cache in a file of the
// user's own cache directory (never a shared /tmp: cached code is code).
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import vm from "node:vm";

export interface CodeCacheOutcome {
  /** "accepted": compiled from the cache; "missing"/"rejected": compiled anew, saved at exit; "off": no cache dir. */
  cache: "accepted" | "rejected" | "missing" | "off";
  file?: string;
}

/** `$XDG_CACHE_HOME/rke2-chatops` (or ~/.cache/rke2-chatops); undefined when neither is known. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.RKE2_CHATOPS_NO_CODE_CACHE === "1") return undefined;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : safeHome());
  return base ? join(base, "rke2-chatops") : undefined;
}

function safeHome(): string | undefined {
  try {
    return join(homedir(), ".cache");
  } catch {
    return undefined;
  }
}

/**
 * Load a CommonJS bundle, compiled from the code cache when one matches this bundle and this Node;
 * otherwise compiled normally, and the code V8 compiled while it ran is saved when the process exits
 * (so the functions a scan needs are cached too, not only the top level). Every cache problem
 * (unreadable, stale, read-only disk) only costs the compile time it would have saved. No `dir`: no cache.
 */
export function loadWithCodeCache(
  bundlePath: string,
  dir: string | undefined,
): { exports: Record<string, unknown>; outcome: CodeCacheOutcome } {
  const bytes = readFileSync(bundlePath);
  const source = bytes.toString("utf8");
  const file = dir ? join(dir, `${cacheKey(bytes)}.v8cache`) : undefined;
  const cachedData = file ? readOptional(file) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const outcome: CodeCacheOutcome = !file
    ? { cache: "off" }
    : { cache: !cachedData ? "missing" : script.cachedDataRejected ? "rejected" : "accepted", file };
  if (file && outcome.cache !== "accepted") process.once("exit", () => save(file, script));
  const mod = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (...a: unknown[]) => void;
  wrapper(mod.exports, createRequire(bundlePath), mod, bundlePath, dirname(bundlePath));
  return { exports: mod.exports, outcome };
}

/** Bundle content and Node version: V8 checks its own flags, we make sure the source is the same. */
function cacheKey(bundle: Buffer): string {
  const h = createHash("sha256").update(`${process.version} ${process.arch}\n`).update(bundle);
  return h.digest("hex").slice(0, 40);
}

function readOptional(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Atomic (temporary file, then rename): a concurrent run reads the old cache or the new one. */
function save(file: string, script: vm.Script): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A read-only or full disk: the next run compiles again, nothing else changes.
  }
}
