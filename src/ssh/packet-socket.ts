import type { Socket } from "node:net";

/**
 * Make `sock` send everything written in one tick as one segment. ssh2 writes each SSH packet in
 * pieces (AES-GCM: the length, the ciphertext, the tag) and, with TCP_NODELAY, every piece went
 * out as a segment of its own: three sends and three wake-ups of the node's sshd for one packet.
 * Corked until the next tick, the pieces leave in one writev (Node's documented pattern:
 * `stream.cork(); process.nextTick(() => stream.uncork())`).
 *
 * Installed on the instance after `connect()`, because net.Socket#connect puts the prototype's
 * write back on any socket whose write differs from it (a subclass override does not survive).
 */
export function sendWritesPerTick(sock: Socket): void {
  const write = sock.write;
  let corked = false;
  const flush = () => {
    corked = false;
    sock.uncork();
  };
  sock.write = function (this: Socket, ...args: unknown[]) {
    if (!corked && !sock.destroyed) {
      corked = true;
      sock.cork();
      process.nextTick(flush);
    }
    return (write as (...a: unknown[]) => boolean).apply(sock, args);
  } as Socket["write"];
}
