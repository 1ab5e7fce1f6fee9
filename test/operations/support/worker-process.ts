import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("../worker-entry.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));

/**
 * A worker replica in a child process, restarted like a process supervisor would after it dies
 * (SIGKILL from a crash probe or from the test). `deaths` counts how often it died.
 */
export class SupervisedWorker {
  private child?: ChildProcess;
  private stopping = false;
  deaths = 0;
  private readonly stderr: string[] = [];

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    const child = spawn(TSX, [ENTRY], {
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stderr!.on("data", (b: Buffer) => this.stderr.push(b.toString()));
    child.on("exit", (_code, signal) => {
      if (this.stopping || this.child !== child) return;
      this.deaths++;
      if (signal !== "SIGKILL") this.stderr.push(`worker exited unexpectedly (${signal ?? _code})\n`);
      void this.start();
    });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`worker did not start: ${this.stderr.join("")}`)), 30_000);
      child.stdout!.on("data", (b: Buffer) => {
        if (b.toString().includes("ready")) {
          clearTimeout(t);
          resolve();
        }
      });
      child.on("exit", () => clearTimeout(t));
    });
  }

  /** SIGKILL the current process (the supervisor starts a new one). */
  kill(): void {
    this.child?.kill("SIGKILL");
  }

  /** Send a signal to the current process (SIGSTOP freezes it like a stalled event loop; SIGCONT thaws it). */
  signal(sig: NodeJS.Signals): void {
    this.child?.kill(sig);
  }

  errors(): string {
    return this.stderr.join("");
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(t);
  }
}
