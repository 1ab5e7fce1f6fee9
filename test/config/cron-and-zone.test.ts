import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { ConfigError } from "../../src/config/config-error.js";
import { parseInventory } from "../../src/config/load-inventory.js";

const KEY = "SHA256:" + "A".repeat(43);
const inventory = (report: string, window = "") => `
${report}
clusters:
  - name: prod
    channel: C0PRODOPS
    ${window}
    nodes:
      - { name: prod-server-1, host: 10.0.0.11, role: server, hostKey: "${KEY}" }
`;

function problems(text: string): string[] {
  try {
    parseInventory(text, "/etc/rke2-chatops/inventory.yaml");
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe("inventory cron expressions and time zones", () => {
  it("accepts what BullMQ's scheduler accepts", () => {
    for (const s of ["0 8 * * *", "*/30 6-18 * * mon-fri", "0 0 8 * * *"])
      expect(problems(inventory(`report: { schedule: "${s}", timezone: Europe/Berlin }`))).toEqual([]);
  });

  it("refuses an hour of 25 and an unknown zone, naming the keys", () => {
    const p = problems(inventory(`report: { schedule: "0 25 * * *", timezone: Mars/Olympus }`));
    expect(p).toHaveLength(2);
    expect(p[0]).toMatch(/^report\.schedule: invalid cron expression "0 25 \* \* \*" \(.*25.*0-23.*\)/);
    expect(p[1]).toMatch(/^report\.timezone: unknown time zone "Mars\/Olympus"/);
  });

  it("refuses garbage that passed the old length check", () => {
    expect(problems(inventory(`report: { schedule: "every morning" }`))[0]).toMatch(
      /^report\.schedule: invalid cron expression/,
    );
  });

  it("checks a maintenance window's time zone", () => {
    const w = `maintenanceWindows: [{ days: [sat], start: "02:00", durationMinutes: 60, timezone: Mars/Olympus }]`;
    expect(problems(inventory("", w))).toEqual([
      expect.stringMatching(
        /^clusters\[0\]\.maintenanceWindows\[0\]\.timezone: unknown time zone "Mars\/Olympus"/,
      ),
    ]);
  });

  it("check-config exits 78 and names report.schedule and report.timezone", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "cron-")), "inv.yaml");
    writeFileSync(file, inventory(`report: { schedule: "0 25 * * *", timezone: Mars/Olympus }`));
    const err: string[] = [];
    const code = await runCli(
      ["check-config", "--config", file],
      { configPath: file, logLevel: "silent" },
      {
        out: () => undefined,
        err: (s) => err.push(s),
      },
    );
    expect(code).toBe(78);
    expect(err.join("\n")).toMatch(/ {2}- report\.schedule: invalid cron expression "0 25 \* \* \*"/);
    expect(err.join("\n")).toMatch(/ {2}- report\.timezone: unknown time zone "Mars\/Olympus"/);
  });
});
