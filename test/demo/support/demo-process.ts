// `npm run demo` as a user starts it: a child process in its own process group, so that an
// interrupt reaches npm and everything in the group, as Ctrl-C in a terminal does.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { userEnv, type OrdinaryUser } from "./demo-user.js";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface DemoProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `re` in the demo's output. */
  waitForOutput(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Ctrl-C: SIGINT to the process group; resolves once npm exited (npm re-raises SIGINT on itself). */
  interrupt(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** `as`: run it as that ordinary user (uid/gid switched when this process is root). */
export function startDemoProcess(args: string[] = ["--port", "0"], as?: OrdinaryUser): DemoProcess {
  const child = spawn("npm", ["run", "--silent", "demo", "--", ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...(as ? userEnv(as) : process.env), FORCE_COLOR: "0" },
    ...(as?.switchTo ? { uid: as.uid, gid: as.gid } : {}),
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* the group is gone */
    }
  };
  return {
    child,
    output: () => out,
    async waitForOutput(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode}):\n${out}`);
        if (Date.now() > deadline)
          throw new Error(`no ${re} in the demo's output within ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async interrupt(timeoutMs = 20_000) {
      const started = Date.now();
      if (child.exitCode !== null || child.signalCode !== null)
        return { code: child.exitCode, signal: child.signalCode, ms: 0 };
      signalGroup("SIGINT");
      const timer = setTimeout(() => signalGroup("SIGKILL"), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, ms: Date.now() - started };
    },
  };
}
