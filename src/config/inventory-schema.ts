import { z } from "zod";
import { ROTATE_SERVICES } from "./rotate-services.js";
import { cronSchema, timeZoneSchema } from "./cron-and-zone.js";

/** Names that end up in Slack commands, Redis keys and remote shells: keep them boring. */
export const clusterNameSchema = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected lowercase letters, digits and '-' (e.g. prod-eu)");

/** A Kubernetes node name (RFC 1123 subdomain). */
export const nodeNameSchema = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/,
    "expected a Kubernetes node name (lowercase letters, digits, '-' and '.')",
  );

const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, "expected a hostname or an IP address");

/** A user (U…/W…) or a user group (S…, e.g. the @sre-oncall rotation), resolved at click time. */
const slackPrincipal = z
  .string()
  .regex(/^[UWS][A-Z0-9]{2,}$/, "expected a Slack user ID (U0123ABCD) or user group ID (S0123ABCD)");
const principals = z.array(slackPrincipal);
/** Approvals needed per phase id; `default` covers the phases not listed. */
const approvalsRequiredSchema = z.record(
  z.string().regex(/^[a-z0-9-]{1,64}$/, "expected a phase id such as server-roll, or default"),
  z.number().int().min(1).max(10),
);
const slackChannelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/, "expected a Slack channel ID such as C0123ABCD");

export const hostKeySchema = z
  .string()
  .regex(
    /^SHA256:[A-Za-z0-9+/]{43}$/,
    "expected a fingerprint as `ssh-keygen -lf` prints it: SHA256:<43 base64 chars>",
  );

const portSchema = z.number().int().min(1).max(65535);

export const sshSettingsSchema = z.strictObject({
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "expected a POSIX user name")
    .optional(),
  port: portSchema.optional(),
  privateKeyPath: z.string().min(1).optional(),
  sudo: z.boolean().optional(),
  connectTimeoutSeconds: z.number().positive().max(300).optional(),
});

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time such as "02:00"');
const weekday = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

export const maintenanceWindowSchema = z.strictObject({
  days: z.array(weekday).min(1),
  start: hhmm,
  durationMinutes: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 60),
  timezone: timeZoneSchema.default("UTC"),
});

export const appCheckSchema = z.strictObject({
  name: z.string().min(1).max(80).optional(),
  url: z.url({ protocol: /^https?$/ }),
  expectStatus: z.number().int().min(100).max(599).default(200),
  timeoutSeconds: z.number().positive().max(120).default(5),
});

export const nodeSchema = z.strictObject({
  name: nodeNameSchema,
  host: hostSchema,
  role: z.enum(["server", "agent"], { error: 'expected "server" or "agent"' }),
  hostKey: hostKeySchema,
  port: portSchema.optional(),
  ssh: sshSettingsSchema.optional(),
});

/** A Rancher-provisioned cluster: operations go through Rancher's API (src/rancher/), not SSH. */
export const rancherSchema = z.strictObject({
  url: z.url({ protocol: /^https$/, error: "expected the Rancher server's https URL" }),
  /** Name of the environment variable holding the bearer token (the token never goes in the file). */
  tokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name"),
  /** The provisioning.cattle.io/v1 Cluster object. */
  name: clusterNameSchema,
  namespace: clusterNameSchema.default("fleet-default"),
  /** PEM CA bundle for a Rancher with a private CA. */
  caFile: z.string().min(1).optional(),
  /** Limit rotations to these services (Rancher's rotateCertificates.services); default all. */
  rotateServices: z.array(z.enum(ROTATE_SERVICES)).min(1).optional(),
  /** Longest wait for Rancher to report a snapshot or a rotation done. */
  waitTimeoutSeconds: z.number().positive().max(86_400).default(1800),
});

/** A cluster's own `approvals` block: every key optional, overriding the top-level one key by key. */
export const clusterApprovalsSchema = z.strictObject({
  approvers: principals.optional(),
  requesters: principals.optional(),
  approvalsRequired: approvalsRequiredSchema.optional(),
  requireDistinctApprover: z.boolean().optional(),
  expireAfterMinutes: z.number().positive().optional(),
});

/** Where the System Upgrade Controller's two manifests come from: paths on the servers or URLs (air-gapped sites mirror them). */
const manifestRef = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^(https?:\/\/\S+|\/[^\s'"]+)$/, "expected an https URL or an absolute path on the servers");
export const sucManifestsSchema = z.strictObject({ crd: manifestRef, controller: manifestRef });
/** `ssh`: install + restart over SSH; `suc`: System Upgrade Controller Plans (src/operations/suc-upgrade). */
export const upgradeMethodSchema = z.enum(["ssh", "suc"], { error: 'expected "ssh" or "suc"' });

export const clusterSchema = z.strictObject({
  name: clusterNameSchema,
  channel: slackChannelId,
  approvals: clusterApprovalsSchema.optional(),
  /** State-changing commands and clicks only in `channel`. */
  channelOnly: z.boolean().optional(),
  /** Who may run read commands (certs, status, explain, audit) for this cluster; default anyone. */
  readers: principals.optional(),
  ssh: sshSettingsSchema.optional(),
  maintenanceWindows: z.array(maintenanceWindowSchema).optional(),
  appChecks: z.array(appCheckSchema).optional(),
  rancher: rancherSchema.optional(),
  /** Overrides of the top-level `upgrade.method` / `upgrade.sucManifests` for this cluster. */
  upgrade: z
    .strictObject({ method: upgradeMethodSchema.optional(), sucManifests: sucManifestsSchema.optional() })
    .optional(),
  /** Optional only with a `rancher:` block: Rancher then verifies through the downstream API. */
  nodes: z.array(nodeSchema).default([]),
});

export const inventorySchema = z
  .strictObject({
    approvals: z
      .strictObject({
        approvers: principals.default([]),
        requesters: principals.optional(),
        approvalsRequired: approvalsRequiredSchema.default({ default: 1 }),
        requireDistinctApprover: z.boolean().default(true),
        expireAfterMinutes: z.number().positive().default(240),
      })
      .prefault({}),
    audit: z
      .strictObject({
        /** Audit stream entries older than this are trimmed (XADD MINID). */
        retentionDays: z.number().positive().default(400),
      })
      .prefault({}),
    limits: z
      .strictObject({
        /** `/rke2 certs` requests one user may make per minute (Redis counter, fixed window). */
        scansPerUserPerMinute: z.number().int().positive().default(5),
      })
      .prefault({}),
    report: z
      .strictObject({
        schedule: cronSchema.default("0 8 * * *"),
        timezone: timeZoneSchema.default("UTC"),
        renewalWindowDays: z.number().int().positive().default(120),
        alertDays: z.array(z.number().int().positive()).min(1).default([30, 14, 7, 3, 1]),
        /** Days before a CA expires to alert at, once per crossing (CAs are renewed by nothing). */
        caAlertDays: z.array(z.number().int().positive()).min(1).default([365, 180, 90, 30]),
        /** A cluster's daily scan is split into shard jobs of at most this many nodes. */
        shardNodes: z.number().int().positive().default(50),
      })
      .prefault({}),
    operations: z
      .strictObject({
        agentRenewalGraceSeconds: z.number().nonnegative().default(900),
        nodeReadyTimeoutSeconds: z.number().positive().default(600),
        pollIntervalSeconds: z.number().positive().default(5),
        agentConcurrency: z.number().int().positive().default(1),
        drainTimeoutSeconds: z.number().positive().default(300),
        /** `/rke2 renew`: cordon and drain each agent before its restart. */
        drainForRestart: z.boolean().default(false),
      })
      .prefault({}),
    upgrade: z
      .strictObject({
        channelUrl: z.url({ protocol: /^https?$/ }).default("https://update.rke2.io/v1-release/channels"),
        installCommand: z
          .string()
          .default(
            "curl -sfL https://get.rke2.io | INSTALL_RKE2_TYPE={type} INSTALL_RKE2_VERSION={version} sh -",
          ),
        method: upgradeMethodSchema.default("ssh"),
        sucManifests: sucManifestsSchema.optional(),
      })
      .prefault({}),
    ssh: sshSettingsSchema
      .extend({
        /** Process-wide, see config/ssh-pool-settings.ts for the defaults. */
        maxConcurrency: z.number().int().min(1).max(1024).optional(),
        keepAliveSeconds: z.number().nonnegative().max(3600).optional(),
        maxOpenConnections: z.number().int().min(1).max(65536).optional(),
        acquireTimeoutSeconds: z.number().positive().max(3600).optional(),
      })
      .prefault({}),
    clusters: z
      .array(clusterSchema, {
        error: (iss) => (iss.input === undefined ? "required: list at least one cluster" : undefined),
      })
      .min(1, "list at least one cluster"),
  })
  .superRefine((inv, ctx) => {
    const seenClusters = new Set<string>();
    inv.clusters.forEach((c, ci) => {
      if (seenClusters.has(c.name))
        ctx.addIssue({
          code: "custom",
          path: ["clusters", ci, "name"],
          message: `duplicate cluster name "${c.name}"`,
        });
      seenClusters.add(c.name);
      const seenNodes = new Set<string>();
      c.nodes.forEach((n, ni) => {
        if (seenNodes.has(n.name))
          ctx.addIssue({
            code: "custom",
            path: ["clusters", ci, "nodes", ni, "name"],
            message: `duplicate node name "${n.name}" in cluster ${c.name}`,
          });
        seenNodes.add(n.name);
      });
      const approvers = c.approvals?.approvers ?? inv.approvals.approvers;
      const required = { ...inv.approvals.approvalsRequired, ...c.approvals?.approvalsRequired };
      const most = Math.max(...Object.values(required));
      // Only knowable without Slack when every approver is a single user.
      if (approvers.length > 0 && approvers.every((a) => !a.startsWith("S")) && most > approvers.length)
        ctx.addIssue({
          code: "custom",
          path: ["clusters", ci, "approvals", "approvalsRequired"],
          message: `${most} approvals required but cluster ${c.name} has only ${approvers.length} approver(s)`,
        });
      if (c.nodes.length === 0 && !c.rancher)
        ctx.addIssue({
          code: "custom",
          path: ["clusters", ci, "nodes"],
          message: "a cluster needs at least one node (only a cluster with a rancher: block may list none)",
        });
      else if (c.nodes.length > 0 && !c.nodes.some((n) => n.role === "server"))
        ctx.addIssue({
          code: "custom",
          path: ["clusters", ci, "nodes"],
          message: "a cluster needs at least one server node",
        });
    });
    for (const key of ["{type}", "{version}"]) {
      if (!inv.upgrade.installCommand.includes(key))
        ctx.addIssue({ code: "custom", path: ["upgrade", "installCommand"], message: `must contain ${key}` });
    }
    const w = inv.report.renewalWindowDays;
    inv.report.alertDays.forEach((d, i) => {
      if (d > w)
        ctx.addIssue({
          code: "custom",
          path: ["report", "alertDays", i],
          message: `${d} is beyond renewalWindowDays (${w})`,
        });
    });
  });

export type RawInventory = z.infer<typeof inventorySchema>;
