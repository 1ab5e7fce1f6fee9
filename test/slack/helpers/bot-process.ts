import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface BotProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** SIGTERM; resolves with the exit code and how long the process took to exit. */
  terminate(): Promise<{ code: number | null; ms: number }>;
}

/** `src/main.ts` in a child process (what `npm start` runs, without the build step). */
export async function startBotProcess(env: Record<string, string>, port: number): Promise<BotProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot process exited early (${child.exitCode}):\n${out}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`bot process did not become healthy:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    port,
    output: () => out,
    terminate: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve({ code: child.exitCode, ms: 0 });
        const started = Date.now();
        child.once("exit", (code) => resolve({ code, ms: Date.now() - started }));
        child.kill("SIGTERM");
      }),
  };
}
