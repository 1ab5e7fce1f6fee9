import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface EnvelopeAck {
  envelopeId: string;
  payload?: { text?: string; blocks?: unknown[]; response_type?: string };
  ms: number;
}

/**
 * A local Socket Mode endpoint speaking Slack's protocol: `hello` on connect, envelopes
 * (slash_commands, interactive) that must be acked with their envelope_id within 3 s, pings,
 * and `disconnect` messages after which the client must reconnect via apps.connections.open.
 */
export async function startSocketModeServer(o: { ackTimeoutMs?: number; host?: string } = {}) {
  const wss = new WebSocketServer({ port: 0, host: o.host ?? "127.0.0.1" });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const url = `ws://${o.host ?? "127.0.0.1"}:${(wss.address() as AddressInfo).port}/link`;
  const ackTimeoutMs = o.ackTimeoutMs ?? 3000;
  const pending = new Map<string, (ack: { payload?: EnvelopeAck["payload"] }) => void>();
  const unknownAcks: unknown[] = [];
  let accepted = 0;
  let current: WebSocket | undefined;

  wss.on("connection", (ws) => {
    accepted += 1;
    current = ws;
    ws.on("message", (data) => {
      let msg: { envelope_id?: string; payload?: EnvelopeAck["payload"] };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      const resolve = msg.envelope_id ? pending.get(msg.envelope_id) : undefined;
      if (resolve) resolve(msg);
      else unknownAcks.push(msg);
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: 1,
        debug_info: { host: "fake-socket", approximate_connection_time: 3600 },
        connection_info: { app_id: "A0FAKEAPP" },
      }),
    );
  });

  const live = (): WebSocket => {
    if (!current || current.readyState !== current.OPEN) throw new Error("no open Socket Mode connection");
    return current;
  };

  return {
    url,
    /** Connections accepted so far (a reconnect makes it grow). */
    connections: () => accepted,
    openConnections: () => [...wss.clients].filter((c) => c.readyState === c.OPEN).length,
    async waitForConnections(n: number, timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (accepted < n || !current || current.readyState !== current.OPEN) {
        if (Date.now() > deadline)
          throw new Error(`expected ${n} Socket Mode connection(s), saw ${accepted}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    /** Send an envelope; resolves with the client's ack, rejects when none arrives in time. */
    sendEnvelope(
      type: "slash_commands" | "interactive" | "events_api",
      payload: object,
      acceptsResponsePayload = type === "slash_commands",
    ): Promise<EnvelopeAck> {
      const ws = live();
      const envelopeId = randomUUID();
      const started = performance.now();
      return new Promise<EnvelopeAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(envelopeId);
          reject(
            new Error(`envelope ${envelopeId} (${type}) was not acknowledged within ${ackTimeoutMs} ms`),
          );
        }, ackTimeoutMs);
        pending.set(envelopeId, (ack) => {
          clearTimeout(timer);
          pending.delete(envelopeId);
          resolve({
            envelopeId,
            ...(ack.payload ? { payload: ack.payload } : {}),
            ms: performance.now() - started,
          });
        });
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: acceptsResponsePayload,
            retry_attempt: 0,
            retry_reason: "",
          }),
        );
      });
    },
    /** A WebSocket ping; resolves when the client's pong arrives. */
    ping(timeoutMs = 3000): Promise<void> {
      const ws = live();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no pong")), timeoutMs);
        ws.once("pong", () => {
          clearTimeout(timer);
          resolve();
        });
        ws.ping(Buffer.from("ping from fake Slack"));
      });
    },
    /** Slack's "please reconnect" message (refresh_requested, link_disabled, warning). */
    disconnect(reason: "refresh_requested" | "link_disabled" | "warning" = "refresh_requested"): void {
      live().send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "fake-socket" } }));
    },
    /** Drop the TCP connection without a goodbye. */
    drop(): void {
      live().terminate();
    },
    unknownAcks,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

export type SocketModeServer = Awaited<ReturnType<typeof startSocketModeServer>>;
