// Stopping a child the demo started: a polite signal, then SIGKILL after a grace period.
import type { ChildProcess } from "node:child_process";

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** Resolves once the child has exited (signal first, SIGKILL when it takes longer than `graceMs`). */
export async function stopChild(
  child: ChildProcess,
  graceMs: number,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (!running(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => running(child) && child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Last resort on process exit: children in their own process group do not get the terminal's Ctrl-C. */
export function killOnExit(child: ChildProcess): () => void {
  const kill = () => {
    if (running(child)) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  return () => process.off("exit", kill);
}
