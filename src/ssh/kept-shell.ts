import { randomBytes } from "node:crypto";
import type { Client, ClientChannel } from "ssh2";
import type { RunLimits } from "./run-command.js";
import type { CommandResult, RunOptions } from "./ssh-executor.js";
import { shellQuote } from "./shell-quote.js";
import { abortedBeforeStart, SshError } from "./ssh-error.js";

/**
 * A POSIX shell kept open on a warm connection for read-only commands (`RunOptions.readOnly`).
 * On a warm connection a fresh exec costs the node an sshd session, a fork and a login shell start;
 * that is most of a warm re-scan (issue 16). Here the node forks only a subshell per command.
 *
 * Each command runs as `(eval '<line>') </dev/null` in a new subshell, so no variable, directory
 * or option set by one command reaches the next, and stdin is closed as for an exec. After it, the
 * shell prints a sentinel with a fresh random nonce and `$?` on stdout and the nonce on stderr:
 * a node cannot forge the end of a command without knowing the nonce. The same timeout and output
 * caps as an exec apply; a timeout or an abort closes the shell (the next command gets a new one).
 */
export interface KeptShell {
  /** A command is running in it: a second one on the same connection goes through exec. */
  readonly busy: boolean;
  readonly closed: boolean;
  /** "gone" when the shell ended before the command's sentinel (node killed it, connection cut). */
  run(line: string, opts: RunOptions, limits: RunLimits): Promise<CommandResult | "gone">;
  close(): void;
}

/** Run by the node's login shell; /bin/sh because every command line here is written for POSIX sh. */
const KEPT_SHELL_COMMAND = "exec /bin/sh -s";

/** How long a new shell may take to echo its first nonce before the node is deemed not to offer one. */
const KEPT_SHELL_READY_MS = 10_000;

export interface KeptShellOptions {
  /** What the channel runs (tests: a node whose "shell" never answers). */
  command?: string;
  readyMs?: number;
}

/**
 * Open the channel and check that a POSIX shell answers on it (a ForceCommand or an odd login
 * shell would not). Rejects "disconnected" when the node or the connection refuses the channel,
 * and when nothing answers within readyMs (the channel is then closed).
 */
export async function openKeptShell(
  client: Client,
  nodeName: string,
  o: KeptShellOptions = {},
): Promise<KeptShell> {
  const readyMs = o.readyMs ?? KEPT_SHELL_READY_MS;
  const refused = (why: string) =>
    new SshError("disconnected", nodeName, `cannot start a shell on ${nodeName}: ${why}`);
  const stream = await new Promise<ClientChannel>((resolve, reject) => {
    try {
      client.exec(o.command ?? KEPT_SHELL_COMMAND, (err, ch) =>
        err ? reject(refused(err.message)) : resolve(ch),
      );
    } catch (err) {
      reject(refused((err as Error).message)); // ssh2 throws "Not connected" when the socket is gone
    }
  });
  const shell = keptShell(stream, nodeName);
  const hello = await shell.run(
    "true",
    { timeoutMs: readyMs },
    { defaultTimeoutMs: readyMs, maxOutputBytes: 4096 },
  );
  if (hello === "gone" || hello.code !== 0 || hello.stdout !== "" || hello.stderr !== "") {
    shell.close();
    throw refused(
      hello === "gone"
        ? "it ended at once"
        : hello.timedOut
          ? `no answer within ${readyMs / 1000} s`
          : "it does not answer as a POSIX shell",
    );
  }
  return shell;
}

/** Bytes of one stream, stored up to the cap plus room for the sentinel; the last bytes kept to spot it. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private stored = 0;
  total = 0;
  tail = "";
  constructor(private readonly keep: number) {}
  push(b: Buffer): void {
    this.total += b.length;
    const room = this.keep - this.stored;
    if (room > 0) {
      const part = b.length > room ? b.subarray(0, room) : b;
      this.chunks.push(part);
      this.stored += part.length;
    }
    // latin1: one char per byte, so lengths here are byte counts.
    this.tail = (this.tail + b.subarray(-SENTINEL_ROOM).toString("latin1")).slice(-SENTINEL_ROOM);
  }
  /** The command's own output: everything before the sentinel, cut at `max`. */
  content(sentinelBytes: number, max: number): { text: string; truncated: boolean } {
    const len = this.total - sentinelBytes;
    return {
      text: Buffer.concat(this.chunks).subarray(0, Math.min(len, max)).toString("utf8"),
      truncated: len > max,
    };
  }
}

/** Longest sentinel: "\n" + 24 hex + " " + up to 3 digits + "\n". */
const SENTINEL_ROOM = 64;

function keptShell(stream: ClientChannel, nodeName: string): KeptShell {
  let closed = false;
  let current: ((what: "out" | "err" | "close", b?: Buffer) => void) | undefined;
  stream.on("data", (b: Buffer) => current?.("out", b));
  stream.stderr.on("data", (b: Buffer) => current?.("err", b));
  stream.on("close", () => {
    closed = true;
    current?.("close");
  });
  // The channel's own errors end in "close"; without a listener they would throw.
  stream.on("error", () => undefined);

  // Closed, or being closed by us: no new command goes in.
  let shutting = false;
  const shut = () => {
    if (closed || shutting) return;
    shutting = true;
    stream.signal("KILL");
    stream.close();
  };

  return {
    get busy() {
      return current !== undefined;
    },
    get closed() {
      return closed || shutting;
    },
    close: shut,
    run(line, opts, limits) {
      const started = Date.now();
      const timeoutMs = opts.timeoutMs ?? limits.defaultTimeoutMs;
      return new Promise((resolve, reject) => {
        // As for an exec: an already aborted signal never fires its listener, so refuse first.
        if (opts.signal?.aborted) return reject(abortedBeforeStart(nodeName));
        if (closed || shutting) return resolve("gone");
        if (current) return reject(new Error("kept shell is busy"));
        const nonce = randomBytes(12).toString("hex");
        const outEnd = `\n${nonce} `;
        const errEnd = `\n${nonce}\n`;
        const out = new Capture(limits.maxOutputBytes + SENTINEL_ROOM);
        const err = new Capture(limits.maxOutputBytes + SENTINEL_ROOM);
        let code: number | undefined;
        let outBytes = 0;
        let errSeen = false;
        let stopped: "timeout" | "abort" | undefined;
        const settle = (r: CommandResult | "gone") => {
          clearTimeout(timer);
          opts.signal?.removeEventListener("abort", onAbort);
          current = undefined;
          resolve(r);
        };
        const result = (): CommandResult => {
          const o = out.content(outBytes, limits.maxOutputBytes);
          const e = err.content(errSeen ? errEnd.length : 0, limits.maxOutputBytes);
          return {
            code: stopped ? null : (code ?? null),
            stdout: o.text,
            stderr: e.text,
            truncated: o.truncated || e.truncated,
            timedOut: stopped === "timeout",
            durationMs: Date.now() - started,
          };
        };
        current = (what, b) => {
          if (what === "close") return settle("gone"); // the command's outcome is unknown
          if (what === "out") {
            out.push(b!);
            const end = code === undefined ? exitStatusAtEnd(out.tail, outEnd) : undefined;
            if (end) [code, outBytes] = end;
          } else {
            err.push(b!);
            if (err.tail.endsWith(errEnd)) errSeen = true;
          }
          if (code !== undefined && errSeen) settle(result());
        };
        // The answer an exec gives, at once: a child that keeps the channel's pipes open (a sleep
        // the KILL did not reach) would hold the channel's close back until it ends.
        const stop = (why: "timeout" | "abort") => {
          stopped = why;
          shut();
          settle(result());
        };
        const timer = setTimeout(() => stop("timeout"), timeoutMs);
        const onAbort = () => stop("abort");
        opts.signal?.addEventListener("abort", onAbort, { once: true });
        // A full window only delays the write: ssh2 queues it.
        stream.write(
          `(eval ${shellQuote(line)}) </dev/null; printf '\\n%s %s\\n' ${nonce} $?; printf '\\n%s\\n' ${nonce} >&2\n`,
        );
      });
    },
  };
}

/**
 * `[status, sentinel bytes]` when `tail` ends with the sentinel `<start><status>\n`. A plain scan
 * instead of a RegExp: one built per command (the nonce is in it) would be compiled per command.
 */
function exitStatusAtEnd(tail: string, start: string): [number, number] | undefined {
  if (!tail.endsWith("\n")) return undefined;
  const at = tail.lastIndexOf(start);
  if (at < 0) return undefined;
  const digits = tail.slice(at + start.length, -1);
  if (!/^\d{1,3}$/.test(digits)) return undefined;
  return [Number(digits), tail.length - at];
}
