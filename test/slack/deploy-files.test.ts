import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { SUBCOMMAND_USAGE } from "../../src/slack/commands/usage.js";
import { startScriptNodeFlags } from "../support/main-process.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (f: string) =>
  parse(readFileSync(`${root}${f}`, "utf8"), { uniqueKeys: true }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("manifest.yml", () => {
  const m = read("manifest.yml");

  it("creates the app in one paste: bot user, /rke2 with a usage hint, interactivity, Socket Mode", () => {
    expect(m.display_information.name).toBe("rke2-chatops");
    expect(m.features.bot_user.display_name).toBe("rke2-chatops");
    expect(m.features.slash_commands).toEqual([
      expect.objectContaining({
        command: "/rke2",
        usage_hint: expect.stringContaining("certs [cluster] [node]"),
      }),
    ]);
    expect(m.features.slash_commands[0].description.length).toBeLessThanOrEqual(100);
    expect(m.settings).toMatchObject({
      interactivity: { is_enabled: true },
      socket_mode_enabled: true,
      org_deploy_enabled: false,
    });
  });

  it("asks only for the scopes the bot uses", () => {
    expect(m.oauth_config.scopes.bot).toEqual(["commands", "chat:write", "files:write", "usergroups:read"]);
    expect(m.oauth_config.scopes.user).toBeUndefined();
  });

  it("mentions every subcommand family in the usage hint or help", () => {
    for (const sub of ["certs", "rotate", "upgrade", "status", "cancel", "audit", "help"])
      expect(m.features.slash_commands[0].usage_hint).toContain(sub);
    expect(Object.keys(SUBCOMMAND_USAGE)).toContain("explain");
  });
});

describe("docker-compose.yml", () => {
  const c = read("docker-compose.yml");

  it("runs Redis with append-only persistence, noeviction and a data volume", () => {
    const cmd = c.services.redis.command.join(" ");
    expect(cmd).toContain("--appendonly yes");
    expect(cmd).toContain("--maxmemory-policy noeviction");
    expect(c.services.redis.volumes).toContain("redis-data:/data");
    expect(Object.keys(c.volumes)).toContain("redis-data");
  });

  it("runs the bot with the inventory and the SSH key mounted read-only, env from .env", () => {
    const bot = c.services.bot;
    expect(bot.volumes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/rke2-chatops\.yaml:.*:ro$/),
        expect.stringMatching(/keys:.*:ro$/),
      ]),
    );
    expect(bot.environment).toMatchObject({
      SLACK_BOT_TOKEN: "${SLACK_BOT_TOKEN:-}",
      REDIS_URL: "redis://redis:6379",
    });
    expect(bot.depends_on.redis.condition).toBe("service_healthy");
  });

  it("publishes the HTTP port on loopback by default and pins image tags (no :latest)", () => {
    expect(c.services.bot.ports).toEqual(["${BIND_ADDRESS:-127.0.0.1}:3000:3000"]);
    for (const s of Object.values(c.services) as Array<{ image?: string }>)
      expect(s.image, s.image).toMatch(/:(?!latest$)[\w.-]+$/);
  });

  it("builds on a supported Node LTS with OCI labels and a documented uid for the SSH key", () => {
    const df = readFileSync(`${root}Dockerfile`, "utf8");
    for (const [, major] of df.matchAll(/^FROM node:(\d+)/gm)) expect(["22", "24"]).toContain(major);
    expect(df).toMatch(/org\.opencontainers\.image\.title="rke2-chatops"/);
    expect(df).toMatch(/org\.opencontainers\.image\.licenses="Apache-2\.0"/);
    expect(df).toMatch(/uid 1000/);
  });

  it("builds from a multi-stage Dockerfile that runs as a non-root user", () => {
    const df = readFileSync(`${root}Dockerfile`, "utf8");
    expect(df.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(df).toMatch(/^USER node$/m);
    const cmd = /^CMD \[(.*)\]$/m.exec(df.split("STOPSIGNAL")[1] ?? "")?.[1];
    // The image runs exactly what `npm start` runs, with the same Node flags.
    expect(cmd).toBe(["node", ...startScriptNodeFlags(), "dist/main.js"].map((x) => `"${x}"`).join(", "));
    expect(startScriptNodeFlags()).toEqual(["--max-semi-space-size=2", "--optimize-for-size"]);
  });
});

describe("deploy/kubernetes (kubectl kustomize)", () => {
  const docs = parseAllDocuments(
    execFileSync("kubectl", ["kustomize", `${root}deploy/kubernetes`], { encoding: "utf8" }),
  ).map(
    (d) => d.toJS() as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const byKind = (k: string): any[] => docs.filter((d) => d.kind === k);

  it("renders web and worker Deployments with /livez liveness and /readyz readiness, secrets and inventory mounted", () => {
    const deps = byKind("Deployment");
    expect(
      deps
        .map(
          (d) =>
            d.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === "ROLE").value,
        )
        .sort(),
    ).toEqual(["web", "worker"]);
    for (const d of deps) {
      const c = d.spec.template.spec.containers[0];
      expect(c.livenessProbe.httpGet.path).toBe("/livez");
      expect(c.readinessProbe.httpGet.path).toBe("/readyz");
      expect(c.envFrom[0].secretRef.name).toMatch(/^rke2-chatops-tokens-/);
      expect(d.spec.template.spec.securityContext.runAsUser).toBe(1000);
    }
    expect(byKind("Secret").map((x) => x.metadata.name)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rke2-chatops-tokens-/),
        expect.stringMatching(/^rke2-chatops-ssh-key-/),
      ]),
    );
    expect(byKind("ConfigMap")[0].data["rke2-chatops.yaml"]).toContain("clusters:");
  });

  it("runs Redis as a StatefulSet with AOF and noeviction on a volume", () => {
    const [redis] = byKind("StatefulSet");
    expect(redis.spec.template.spec.containers[0].args.join(" ")).toMatch(
      /--appendonly yes.*--maxmemory-policy noeviction/,
    );
    expect(redis.spec.volumeClaimTemplates[0].metadata.name).toBe("data");
  });

  it("scrapes /metrics with a ServiceMonitor and ships deploy/prometheus/rules.yaml as the PrometheusRule", () => {
    expect(byKind("ServiceMonitor")[0].spec.endpoints[0]).toMatchObject({ port: "http", path: "/metrics" });
    expect(byKind("PrometheusRule")[0].spec.groups).toEqual(read("deploy/prometheus/rules.yaml").groups);
  });
});
