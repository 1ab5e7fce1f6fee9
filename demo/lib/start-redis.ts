// A private, throw-away Redis for the demo: redis-server from PATH, loopback, a free port, no persistence.
import { spawn } from "node:child_process";
import { freePort } from "../../test/support/free-port.js";
import { waitForPing } from "../../test/support/redis-server.js";
import { killOnExit, stopChild } from "./child-process.js";

export interface DemoRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startDemoRedis(): Promise<DemoRedis> {
  const port = await freePort();
  // Its own process group: Ctrl-C in the terminal reaches the launcher only, which stops Redis last.
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "yes",
    ],
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const started = new Promise<never>((_, reject) => {
    child.once("error", (err) => reject(new Error(`redis-server could not start: ${err.message}`)));
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${stderr.trim()}`)));
  });
  await Promise.race([waitForPing(port), started]).catch((err: Error) => {
    child.kill("SIGKILL");
    throw err;
  });
  child.removeAllListeners("exit");
  const unhook = killOnExit(child);
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      await stopChild(child, 3000);
      unhook();
    },
  };
}
