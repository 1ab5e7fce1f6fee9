import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface MainProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  /** stdout and stderr so far. */
  output: () => string;
  alive: () => boolean;
  /** SIGTERM and wait for the exit code. */
  terminate(): Promise<number | null>;
}

/** Node's flags in `npm start` (`node <flags> dist/main.js`), which the Dockerfile's CMD repeats. */
export function startScriptNodeFlags(): string[] {
  const start = (JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { scripts: { start: string } })
    .scripts.start;
  const m = /^node ((?:--\S+ )*)dist\/main\.js$/.exec(start);
  if (!m) throw new Error(`unexpected start script: ${start}`);
  return m[1]!.split(" ").filter(Boolean);
}

/** The built entry point (`npm start`: `node <flags> dist/main.js`) as a child process, healthy. */
export async function startMainProcess(
  env: Record<string, string>,
  port: number,
  nodeArgs: string[] = startScriptNodeFlags(),
): Promise<MainProcess> {
  if (!existsSync(`${ROOT}dist/main.js`))
    throw new Error("dist/main.js is missing: run `npm run build` first");
  const child = spawn(process.execPath, [...nodeArgs, "dist/main.js"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dist/main.js exited early (${child.exitCode}):\n${out}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`dist/main.js did not become healthy:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    pid: child.pid!,
    port,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/**
 * An inventory in `dir` for processes that never contact a node: one cluster `edge` (channel
 * C0EDGEOPS) with one server on port 1 and a key file that is not a key. Returns its path.
 */
export function writeOfflineInventory(dir: string): string {
  writeFileSync(join(dir, "id_ed25519"), "not a key; no node is contacted here\n");
  const inventory = join(dir, "inventory.yaml");
  writeFileSync(
    inventory,
    [
      "ssh: { user: root, privateKeyPath: ./id_ed25519 }",
      "clusters:",
      "  - name: edge",
      "    channel: C0EDGEOPS",
      "    nodes:",
      `      - { name: cp-1, host: 127.0.0.1, port: 1, role: server, hostKey: "SHA256:${"A".repeat(43)}" }`,
      "",
    ].join("\n"),
  );
  return inventory;
}
