import { connect } from "node:net";

export interface RawResult {
  /** Status codes of every response on the connection, in order. */
  statuses: number[];
  raw: string;
  /** The server hung up (or reset) without any response. */
  closedWithoutResponse: boolean;
  timedOut: boolean;
}

/**
 * Send raw bytes over a plain TCP connection and collect everything until the socket closes. The
 * client half-closes once a whole response has arrived, or after `quietMs` without any data (the
 * server may be waiting for more bytes of an incomplete request; the EOF makes it answer or hang up).
 */
export function sendRaw(
  port: number,
  bytes: Buffer | string,
  o: { timeoutMs?: number; quietMs?: number } = {},
): Promise<RawResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timedOut = false;
    const socket = connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, o.timeoutMs ?? 15_000);
    let quiet: NodeJS.Timeout | undefined;
    const halfCloseWhenQuiet = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => socket.end(), o.quietMs ?? 1000);
    };
    socket.on("connect", () => {
      socket.write(bytes);
      halfCloseWhenQuiet();
    });
    socket.on("data", (d: Buffer) => {
      chunks.push(d);
      if (hasCompleteResponse(Buffer.concat(chunks).toString("latin1"))) {
        clearTimeout(quiet);
        socket.end();
      } else halfCloseWhenQuiet();
    });
    socket.on("error", () => undefined); // a reset is a closed connection; "close" follows
    socket.on("close", () => {
      clearTimeout(timer);
      clearTimeout(quiet);
      const raw = Buffer.concat(chunks).toString("latin1");
      const statuses = [...raw.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((m) => Number(m[1]));
      resolve({ statuses, raw, closedWithoutResponse: statuses.length === 0, timedOut });
    });
  });
}

/** A status line, headers, and the whole body (content-length or chunked) of the first response. */
function hasCompleteResponse(raw: string): boolean {
  const end = raw.indexOf("\r\n\r\n");
  if (!raw.startsWith("HTTP/1.") || end < 0) return false;
  const head = raw.slice(0, end).toLowerCase();
  const body = raw.slice(end + 4);
  if (/^transfer-encoding:.*chunked/m.test(head)) return /(^|\r\n)0\r\n\r\n/.test(body);
  const length = /^content-length: *(\d+)/m.exec(head);
  return length ? Buffer.byteLength(body, "latin1") >= Number(length[1]) : true;
}

/** mulberry32: a small seeded PRNG, so a failing random case can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
