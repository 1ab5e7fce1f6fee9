// Runs one real scan (compiled bot code) and prints its wall time and peak RSS as JSON.
import "reflect-metadata";
import { loadInventory } from "../dist/config/load-inventory.js";
import { scanInventory } from "../dist/certs/scan-inventory.js";
import { createSsh2Executor } from "../dist/ssh/ssh2-executor.js";
import { systemClock } from "../dist/shared/clock.js";

const [inventoryPath, concurrency] = process.argv.slice(2);
const inv = loadInventory(inventoryPath);
const started = performance.now();
const scans = await scanInventory(inv, { executor: createSsh2Executor({ maxConcurrency: 64 }), clock: systemClock }, { concurrency: Number(concurrency ?? 16) });
const wallMs = performance.now() - started;
const nodes = scans.flatMap((s) => s.nodes);
const failed = nodes.filter((n) => !n.ok).length;
const certs = nodes.reduce((a, n) => a + (n.ok ? n.certs.length : 0), 0);
const cpu = process.cpuUsage();
console.log(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, nodes: nodes.length, failed, certs }));
