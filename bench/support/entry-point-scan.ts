import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SimCluster } from "../../test/rig/sim-cluster.js";
import { startFakeSlack } from "../../test/support/fake-slack/index.js";
import { freePort } from "../../test/support/free-port.js";
import { startMainProcess } from "../../test/support/main-process.js";
import { startRedis } from "../../test/support/redis-server.js";
import { benchBotEnv } from "./deployment-budget.js";

/**
 * `/rke2 certs <cluster>` through the real entry point (`node dist/main.js`, ROLE=all, its own Redis
 * and a local Slack): the first answer opens every connection, each later one (within
 * ssh.keepAliveSeconds) reuses them. Times run from sending the signed command to the answer
 * reaching the response_url, as the local Slack stamped it. `between` runs before each warm
 * request (the peer's run, so that both are measured side by side under the same load).
 */
export async function scanThroughEntryPoint(
  sim: SimCluster,
  runs: number,
  between: () => void = () => undefined,
): Promise<{ coldMs: number; warmMs: number[]; summary: string }> {
  const redis = await startRedis();
  const fake = await startFakeSlack();
  const inventoryPath = join(sim.dir, "entry-inventory.yaml");
  writeFileSync(inventoryPath, sim.inventoryYaml({ channel: "C0BENCH" }));
  const bot = await startMainProcess(
    { ...benchBotEnv(fake, `${redis.url}/2`, inventoryPath), ROLE: "all" },
    await freePort(),
  );
  try {
    fake.setBot(`http://127.0.0.1:${bot.port}/slack/events`);
    let summary = "";
    const once = async (user: string) => {
      const started = Date.now();
      const sent = await fake.slashCommand(`certs ${sim.name}`, user);
      const [answer] = await fake.waitForResponses(sent.responseUrl, 1, 120_000);
      summary = (answer!.body as { text?: string }).text ?? "";
      // Every node must have been read, or the time would be that of a partial scan.
      if (!JSON.stringify(answer!.body).includes(`${sim.nodes.length} nodes ·`))
        throw new Error(`the answer through the entry point does not cover every node: ${summary}`);
      return answer!.at - started;
    };
    const coldMs = await once("U0ENTRY0");
    const warmMs: number[] = [];
    for (let r = 1; r <= runs; r++) {
      between();
      warmMs.push(await once(`U0ENTRY${r}`));
    }
    return { coldMs, warmMs, summary };
  } finally {
    await bot.terminate();
    await fake.close();
    await redis.stop();
  }
}
