import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { codeCacheDir } from "../../src/cli/code-cache.js";

const bundle = resolve("dist/cli/rke2-chatops.bundle.cjs");
const loader = resolve("dist/cli/code-cache.js");
const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

/** A fresh process loads the real bundle through the code cache in `dir`, then runs `--version`. */
function load(dir: string | undefined) {
  const code =
    `const { loadWithCodeCache } = await import(${JSON.stringify(loader)});\n` +
    `const { exports, outcome } = loadWithCodeCache(${JSON.stringify(bundle)}, ${JSON.stringify(dir)});\n` +
    `console.error(JSON.stringify(outcome));\nawait exports.main(["--version"]);\n`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  const outcome = JSON.parse(r.stderr.trim().split("\n")[0] ?? "{}") as { cache: string; file?: string };
  return { status: r.status, stdout: r.stdout.trim(), outcome };
}

describe("the CLI bundle's code cache (Node 20; Node 22+ caches by itself)", () => {
  it("the first run saves the compiled code in a private file, the next run compiles from it", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "rke2-cc-")), "rke2-chatops");
    const first = load(dir);
    expect([first.status, first.stdout, first.outcome.cache]).toEqual([0, version, "missing"]);
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^[0-9a-f]{40}\.v8cache$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, file!)).mode & 0o777).toBe(0o600);
    const second = load(dir);
    expect([second.status, second.stdout, second.outcome.cache]).toEqual([0, version, "accepted"]);
    expect(second.outcome.file).toBe(join(dir, file!));
  });

  it("a corrupt cache file is rejected by V8, the CLI runs as usual and the file is rewritten", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "rke2-cc-")), "rke2-chatops");
    load(dir);
    const file = join(dir, readdirSync(dir)[0]!);
    writeFileSync(file, Buffer.from("not a V8 code cache, just bytes \x00\xff".repeat(100), "latin1"));
    const bad = load(dir);
    expect([bad.status, bad.stdout, bad.outcome.cache]).toEqual([0, version, "rejected"]);
    expect(load(dir).outcome.cache).toBe("accepted");
  });

  it("a cache directory that cannot be written costs nothing but the compile time", () => {
    const parent = mkdtempSync(join(tmpdir(), "rke2-cc-"));
    writeFileSync(join(parent, "rke2-chatops"), "a file where the directory should be");
    const r = load(join(parent, "rke2-chatops"));
    expect([r.status, r.stdout, r.outcome.cache]).toEqual([0, version, "missing"]);
    chmodSync(parent, 0o500);
    try {
      const ro = load(join(parent, "sub", "rke2-chatops"));
      expect([ro.status, ro.stdout]).toEqual([0, version]);
      expect(existsSync(join(parent, "sub"))).toBe(process.getuid?.() === 0); // root ignores the mode
    } finally {
      chmodSync(parent, 0o700);
    }
  });

  it("lives under XDG_CACHE_HOME or ~/.cache, and RKE2_CHATOPS_NO_CODE_CACHE=1 turns it off", () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" })).toBe("/x/cache/rke2-chatops");
    expect(codeCacheDir({ HOME: "/home/u" })).toBe("/home/u/.cache/rke2-chatops");
    expect(codeCacheDir({ HOME: "/home/u", RKE2_CHATOPS_NO_CODE_CACHE: "1" })).toBeUndefined();
    const off = load(undefined);
    expect([off.status, off.stdout, off.outcome.cache]).toEqual([0, version, "off"]);
  });
});
