import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { installFailurePolicy } from "../../src/main/failure-policy.js";
import { createLogger } from "../../src/shared/logger.js";

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger("info", { write: (s: string) => void lines.push(JSON.parse(s)) });
  const proc = new EventEmitter();
  const shutdowns: string[] = [];
  const uninstall = installFailurePolicy({
    logger: () => logger,
    shutdown: (reason) => shutdowns.push(reason),
    proc: proc as unknown as Pick<NodeJS.Process, "on" | "off">,
  });
  return { lines, proc, shutdowns, uninstall };
}

describe("the process failure policy", () => {
  it("logs an unhandled rejection with its stack and keeps running", () => {
    const { lines, proc, shutdowns } = setup();
    proc.emit("unhandledRejection", new Error("nobody awaited me"), Promise.resolve());
    proc.emit("unhandledRejection", "a bare string", Promise.resolve());
    expect(shutdowns).toEqual([]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 50,
      event: "unhandledRejection",
      err: { message: "nobody awaited me" },
    });
    expect(String((lines[0]!.err as { stack: string }).stack)).toContain("failure-policy.test.ts");
    expect(lines[1]).toMatchObject({ err: { message: "non-error value thrown: a bare string" } });
  });

  it("logs an uncaught exception as fatal and shuts down once, however many follow", () => {
    const { lines, proc, shutdowns } = setup();
    proc.emit("uncaughtException", new TypeError("boom"), "uncaughtException");
    proc.emit("uncaughtException", new Error("during shutdown"), "uncaughtException");
    expect(shutdowns).toEqual(["uncaughtException: boom"]);
    expect(
      lines.map((l) => [l.level, l.event, (l.err as { message: string }).message, l.alreadyShuttingDown]),
    ).toEqual([
      [60, "uncaughtException", "boom", false],
      [60, "uncaughtException", "during shutdown", true],
    ]);
  });

  it("removes its handlers when asked", () => {
    const { proc, uninstall } = setup();
    uninstall();
    expect(proc.listenerCount("uncaughtException") + proc.listenerCount("unhandledRejection")).toBe(0);
  });
});
