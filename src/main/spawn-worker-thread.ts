import { Worker } from "node:worker_threads";
import type { WorkerThreadData } from "./thread-protocol.js";

/**
 * Start worker-thread.js next to this file. Under tsx (tests, development) the sources are .ts and
 * a worker thread does not inherit tsx's loader, so a two-line module registers it first.
 */
export function spawnWorkerThread(data: WorkerThreadData): Worker {
  const here = import.meta.url;
  if (here.endsWith(".js")) return new Worker(new URL("./worker-thread.js", here), { workerData: data });
  const entry = new URL("./worker-thread.ts", here).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: data });
}
