// One process, two scans through one executor with the inventory's keep-alive: the first opens every
// connection (cold), the second reuses them (warm). Prints each scan's wall and CPU time as JSON.
import { loadInventory } from "../dist/config/load-inventory.js";
import { executorLimits } from "../dist/config/ssh-pool-settings.js";
import { scanInventory } from "../dist/scan/scan-inventory.js";
import { createSsh2Executor } from "../dist/ssh/ssh2-executor.js";
import { systemClock } from "../dist/shared/clock.js";

const [inventoryPath] = process.argv.slice(2);
const inv = loadInventory(inventoryPath);
const executor = createSsh2Executor(executorLimits(inv));
const cpuMs = (c) => (c.user + c.system) / 1000;
const scan = async () => {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const scans = await scanInventory(inv, { executor, clock: systemClock });
  const nodes = scans.flatMap((s) => s.nodes);
  return {
    wallMs: performance.now() - t,
    cpuMs: cpuMs(process.cpuUsage(cpu)),
    failed: nodes.filter((n) => !n.ok).length,
    certs: nodes.reduce((a, n) => a + (n.ok ? n.certs.length : 0), 0),
  };
};
const cold = await scan();
const openAfterCold = executor.poolStats().open;
const warm = await scan();
await executor.close();
console.log(
  JSON.stringify({
    cold,
    warm,
    openAfterCold,
    keepAliveMs: executorLimits(inv).keepAliveMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
