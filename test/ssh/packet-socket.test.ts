import { createServer, Socket, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendWritesPerTick } from "../../src/ssh/packet-socket.js";

describe("sendWritesPerTick (one segment per SSH packet)", () => {
  const server = createServer();
  const received: Buffer[] = [];
  let port = 0;
  beforeAll(async () => {
    server.on("connection", (c) => c.on("data", (b: Buffer) => received.push(b)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const connected = async () => {
    const sock = new Socket();
    sock.connect({ host: "127.0.0.1", port });
    sendWritesPerTick(sock);
    await new Promise<void>((r) => sock.once("connect", r));
    return sock;
  };

  it("holds the writes of one tick corked, sends them at the next, in order, with every callback", async () => {
    received.length = 0;
    const sock = await connected();
    const done: number[] = [];
    sock.write(Buffer.from("len:"), () => done.push(1));
    sock.write("body", "utf8", () => done.push(2));
    sock.write(Buffer.from(":tag"), () => done.push(3));
    expect(sock.writableCorked).toBe(1);
    expect(sock.writableLength).toBe(12); // all three still buffered in this tick
    await new Promise((r) => process.nextTick(r));
    expect(sock.writableCorked).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toEqual([1, 2, 3]);
    expect(Buffer.concat(received).toString()).toBe("len:body:tag");
    // A later tick corks again, once.
    sock.write("x");
    sock.write("y");
    expect(sock.writableCorked).toBe(1);
    sock.destroy();
  });

  it("a destroyed socket is not corked again: the write fails as on any destroyed socket", async () => {
    const sock = await connected();
    sock.destroy();
    const err = await new Promise<Error | null | undefined>((r) => sock.write("late", (e) => r(e)));
    expect(err?.message).toMatch(/destroyed|write after end/i);
    expect(sock.writableCorked).toBe(0);
  });
});
