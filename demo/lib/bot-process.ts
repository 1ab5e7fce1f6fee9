// The real bot, `node dist/main.js`, configured only through its ordinary environment variables.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { killOnExit, stopChild } from "./child-process.js";

export interface BotEnv {
  SLACK_API_URL: string;
  SLACK_BOT_TOKEN: string;
  SLACK_SIGNING_SECRET: string;
  REDIS_URL: string;
  PORT: string;
  RKE2_CHATOPS_CONFIG: string;
  LOG_LEVEL?: string;
}

export interface BotProcess {
  pid: number;
  port: number;
  logPath: string;
  /** The last lines of the bot's log (shown when it fails). */
  tail(lines?: number): string;
  exited: Promise<number | null>;
  /** SIGTERM (the bot's graceful shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startBotProcess(root: string, env: BotEnv, logPath: string): Promise<BotProcess> {
  const log = openSync(logPath, "a");
  // Its own process group: on Ctrl-C the launcher stops the bot first, then the cluster and Redis.
  const child = spawn(process.execPath, [join(root, "dist", "main.js")], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", log, log],
    detached: true,
  });
  closeSync(log);
  const unhook = killOnExit(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const tail = (n = 15) => {
    try {
      return readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-n).join("\n");
    } catch {
      return "";
    }
  };
  const port = Number(env.PORT);
  const deadline = Date.now() + 30_000;
  for (let up = false; !up;) {
    if (child.exitCode !== null)
      throw new Error(`the bot exited at start (code ${child.exitCode}):\n${tail()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the bot did not answer /healthz within 30 s:\n${tail()}`);
    }
    up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (!up) await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    port,
    logPath,
    tail,
    exited,
    stop: async (graceMs = 8000) => {
      await stopChild(child, graceMs);
      unhook();
    },
  };
}
