import { connect } from "node:tls";

/**
 * The leaf certificate a TLS server presents, as DER. Only the handshake: no data is sent, and the
 * chain is not verified (we read the leaf to compare it, we hold no CA for it). A socket timeout
 * bounds it (no timer of our own).
 */
export function readPeerCertificate(host: string, port: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, timeout: timeoutMs });
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate().raw as Buffer | undefined;
      socket.destroy();
      if (raw && raw.length > 0) resolve(raw);
      else reject(new Error("presented no certificate"));
    });
    socket.once("timeout", () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once("error", reject);
  });
}
