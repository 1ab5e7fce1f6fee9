import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const env = { configPath: "/nonexistent/rke2-chatops.yaml", logLevel: "silent" };
const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("rke2-chatops help, version and usage", () => {
  it.each([["--help"], ["-h"], ["help"]])("%s prints the help on stdout and exits 0", async (flag) => {
    const r = await cli(flag);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: rke2-chatops \[options\] \[command\]/);
    expect(r.out).toContain("certs [options]");
    expect(r.out).toContain("check-config [options]");
    expect(r.out).toContain("64 bad usage");
    expect(r.err).toBe("");
  });

  it.each([["-V"], ["--version"]])("%s prints the package version and exits 0", async (flag) => {
    const r = await cli(flag);
    expect(r).toEqual({ code: 0, out: version, err: "" });
  });

  it.each([
    ["certs", "--help"],
    ["certs", "-h"],
    ["help", "certs"],
  ])("%s %s prints the certs options and exits 0", async (...argv) => {
    const r = await cli(...argv);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: rke2-chatops certs \[options\]/);
    for (const o of ["--cluster <name>", "--node <name>", "--json", "--cross-check", "--config <file>"])
      expect(r.out).toContain(o);
  });

  it("check-config --help prints its options and exits 0 without reading the inventory", async () => {
    const r = await cli("check-config", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: rke2-chatops check-config \[options\]/);
    expect(r.out).toContain("--config <file>");
  });

  it("no arguments prints the usage on stderr and exits 64", async () => {
    const r = await cli();
    expect(r.code).toBe(64);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^Usage: rke2-chatops \[options\] \[command\]/);
  });

  it.each([
    [["rotate"], /unknown command 'rotate'/],
    [["certs", "--bogus"], /unknown option '--bogus'/],
    [["certs", "--cluster"], /option '--cluster <name>' argument missing/],
    [["certs", "extra"], /too many arguments for 'certs'/],
  ])("%j is bad usage: 64 with the reason on stderr", async (argv, reason) => {
    const r = await cli(...argv);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(reason);
    expect(r.err).toContain("rke2-chatops --help");
    expect(r.out).toBe("");
  });

  it("a missing inventory is still bad configuration (78), named on stderr", async () => {
    const r = await cli("check-config");
    expect(r.code).toBe(78);
    expect(r.err).toContain("/nonexistent/rke2-chatops.yaml");
  });

  it("the installed launcher exits with the same statuses", () => {
    const run = (...a: string[]) => spawnSync("node", ["bin/rke2-chatops.js", ...a], { encoding: "utf8" });
    const help = run("--help");
    expect([help.status, help.stdout.startsWith("Usage: rke2-chatops")]).toEqual([0, true]);
    expect(run("--version").stdout.trim()).toBe(version);
    const none = run();
    expect([none.status, none.stdout, none.stderr.startsWith("Usage:")]).toEqual([64, "", true]);
  });

  it("a reader that closes stdout early ends the CLI quietly with SIGPIPE's status (141)", async () => {
    const child = spawn("node", ["bin/rke2-chatops.js", "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // `| true`: the pipe's reader is gone before the first write
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const status = await new Promise((r) => child.once("close", r));
    expect([status, err]).toEqual([141, ""]);
  });

  it("the build's one-file bundle (what the launcher starts) is a complete CLI on its own", () => {
    // Copied away from dist/ and node_modules: only the lazily loaded @peculiar/x509 may be missing.
    const dir = mkdtempSync(join(tmpdir(), "rke2-cli-bundle-"));
    // The CLI reads its version from ../../package.json relative to itself, as in dist/cli/.
    mkdirSync(join(dir, "dist", "cli"), { recursive: true });
    const copy = join(dir, "dist", "cli", "rke2-chatops.cjs");
    copyFileSync("dist/cli/rke2-chatops.bundle.cjs", copy);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", version: "9.9.9-bundle" }));
    const runner = join(dir, "run.mjs");
    writeFileSync(
      runner,
      'import { createRequire } from "node:module";\n' +
        'const { main } = createRequire(import.meta.url)("./dist/cli/rke2-chatops.cjs");\n' +
        "await main(process.argv.slice(2));\n",
    );
    const run = (...a: string[]) => spawnSync("node", [runner, ...a], { encoding: "utf8", cwd: dir });
    const check = run("check-config", "--config", "/nonexistent/rke2-chatops.yaml");
    expect([check.status, check.stderr.includes("/nonexistent/rke2-chatops.yaml")]).toEqual([78, true]);
    const none = run();
    expect([none.status, none.stderr.startsWith("Usage:")]).toEqual([64, true]);
    expect(run("--version").stdout.trim()).toBe("9.9.9-bundle");
  });
});
