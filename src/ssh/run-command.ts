import type { Client } from "ssh2";
import type { CommandResult, RunOptions } from "./ssh-executor.js";
import { abortedBeforeStart, SshError } from "./ssh-error.js";

export interface RunLimits {
  defaultTimeoutMs: number;
  /** Per stream; output past this is dropped and `truncated` set. */
  maxOutputBytes: number;
}

/** Execute one command line on an open connection, exactly once. */
export function runCommand(
  client: Client,
  nodeName: string,
  line: string,
  opts: RunOptions,
  limits: RunLimits,
): Promise<CommandResult> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? limits.defaultTimeoutMs;
  return new Promise((resolve, reject) => {
    // An already aborted signal never fires its listener: refuse before anything starts.
    if (opts.signal?.aborted) return reject(abortedBeforeStart(nodeName));
    client.exec(line, (err, stream) => {
      if (err)
        return reject(
          new SshError("disconnected", nodeName, `cannot start command on ${nodeName}: ${err.message}`),
        );
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      const size = { out: 0, err: 0 };
      let truncated = false;
      let timedOut = false;
      let code: number | null = null;
      let signal: string | undefined;
      const take = (buf: Buffer, into: Buffer[], key: "out" | "err") => {
        const room = limits.maxOutputBytes - size[key];
        if (room <= 0) return void (truncated = true);
        if (buf.length > room) truncated = true;
        const part = buf.length > room ? buf.subarray(0, room) : buf;
        into.push(part);
        size[key] += part.length;
      };
      const finish = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        resolve({
          code: timedOut ? null : code,
          signal,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(errOut).toString("utf8"),
          truncated,
          timedOut,
          durationMs: Date.now() - started,
        });
      };
      const stop = () => {
        // Ask the remote side to kill it, then close our end; the answer may never come.
        stream.signal("KILL");
        stream.close();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs);
      const onAbort = () => stop();
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      if (opts.signal?.aborted) stop(); // aborted while exec was being set up
      stream.on("data", (b: Buffer) => take(b, out, "out"));
      stream.stderr.on("data", (b: Buffer) => take(b, errOut, "err"));
      stream.on("exit", (c: number | null, sig?: string) => {
        code = c;
        signal = sig ?? undefined;
      });
      stream.on("close", finish);
      if (opts.stdin !== undefined) stream.end(opts.stdin);
      else stream.end();
    });
  });
}
