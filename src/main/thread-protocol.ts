import type { Env } from "../config/env.js";
import type { MetricsJson } from "../observability/http-routes.js";

/** What the ROLE=all main thread hands its worker thread. */
export interface WorkerThreadData {
  env: Env;
}

/** Main → worker thread. */
export type ToWorker = { type: "metrics"; id: number } | { type: "stop"; graceMs: number };

/** Worker thread → main. */
export type FromWorker =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "metrics"; id: number; metrics: MetricsJson }
  | { type: "stopped" };
