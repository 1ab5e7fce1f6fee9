import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAppCheck } from "../../src/checks/app-check.js";
import { windowState } from "../../src/schedule/maintenance-window.js";
import { freePort } from "../support/free-port.js";

const sat2am = { days: ["sat" as const], start: "02:00", durationMinutes: 120, timezone: "Europe/Berlin" };

describe("maintenance windows", () => {
  it("is always open without windows", () => {
    expect(windowState([], new Date("2026-11-23T10:00:00Z")).open).toBe(true);
  });
  it("is closed on a Monday and opens on Saturday 02:00 Berlin time (01:00 UTC in winter)", () => {
    const s = windowState([sat2am], new Date("2026-11-23T10:00:00Z"));
    expect(s).toEqual({ open: false, opensAt: new Date("2026-11-28T01:00:00Z") });
  });
  it("is open inside the window until it closes", () => {
    expect(windowState([sat2am], new Date("2026-11-28T02:30:00Z"))).toEqual({
      open: true,
      closesAt: new Date("2026-11-28T03:00:00Z"),
    });
  });
  it("follows daylight saving time (summer: 00:00 UTC)", () => {
    const s = windowState([sat2am], new Date("2026-07-01T12:00:00Z"));
    expect(s).toEqual({ open: false, opensAt: new Date("2026-07-04T00:00:00Z") });
  });
  it("handles a window that spans midnight and several windows", () => {
    const late = { days: ["sun" as const], start: "23:00", durationMinutes: 180, timezone: "UTC" };
    const s = windowState([sat2am, late], new Date("2026-11-30T01:00:00Z")); // Monday 01:00 UTC, inside Sunday's window
    expect(s).toEqual({ open: true, closesAt: new Date("2026-11-30T02:00:00Z") });
  });
});

describe("application checks", () => {
  let server: Server;
  let base = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/ok") res.end("fine");
      else if (req.url === "/slow") setTimeout(() => res.end("late"), 2000);
      else res.writeHead(503).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it("passes on the expected status", async () => {
    expect(await runAppCheck({ url: `${base}/ok`, expectStatus: 200, timeoutSeconds: 2 })).toMatchObject({
      ok: true,
      status: 200,
    });
  });
  it("fails with the status it got", async () => {
    expect(
      await runAppCheck({ name: "shop", url: `${base}/down`, expectStatus: 200, timeoutSeconds: 2 }),
    ).toMatchObject({
      ok: false,
      name: "shop",
      error: "HTTP 503, expected 200",
    });
  });
  it("fails when the application does not answer in time", async () => {
    expect((await runAppCheck({ url: `${base}/slow`, expectStatus: 200, timeoutSeconds: 0.2 })).error).toBe(
      "no answer within 0.2 s",
    );
  });
  it("fails when nothing listens", async () => {
    const port = await freePort();
    const res = await runAppCheck({ url: `http://127.0.0.1:${port}/`, expectStatus: 200, timeoutSeconds: 2 });
    expect(res.error).toMatch(/ECONNREFUSED/);
  });
});
