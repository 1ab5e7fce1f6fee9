import type { CertRecord } from "../../certs/cert-types.js";
import {
  blocksKubectl,
  expiredApiCredentials,
  findDarkApi,
  isCredentialError,
  type DarkApiFinding,
} from "../../certs/dark-api.js";
import type { NodeSpec } from "../../config/inventory.js";
import { certificateCheckTable, kubectl, systemctl } from "../../rke2/commands.js";
import { parseCheckTable } from "../../rke2/parse-check-table.js";
import { DATA_DIR, KUBECTL, serviceName } from "../../rke2/paths.js";
import { escapeMrkdwn, inlineCode } from "../../shared/mrkdwn.js";
import { sh } from "../../ssh/shell-quote.js";
import { parseReadyz } from "../common/cluster-health.js";
import { forNodes } from "../common/for-nodes.js";
import type { PreflightContext } from "../engine/definition.js";

/** The supervisor's own kubeconfig: another credential on the node, often still valid when the admin one is not. */
export const SUPERVISOR_KUBECONFIG = `${DATA_DIR}/server/cred/supervisor.kubeconfig`;
export const etcdHealthCmd = () =>
  sh`${KUBECTL} --kubeconfig ${SUPERVISOR_KUBECONFIG} get --raw ${"/readyz?verbose"}`;

export interface DarkApi {
  finding: DarkApiFinding;
  /** What each replaced check saw, one line each, for the plan. */
  checks: string[];
}

const firstLine = (s: string) => s.trim().split("\n")[0] ?? "";

interface ServerLook {
  node: NodeSpec;
  kubectlError?: string;
  service: string;
  certCheck: string;
  /** problem: etcd (or another /readyz check) read on the node and failing: not only dark. */
  etcd: { line: string; problem?: string };
}

async function lookAt(ctx: PreflightContext, node: NodeSpec): Promise<ServerLook> {
  const { remote } = ctx;
  const kc = await remote.run(node, kubectl("get", "nodes", "-o", "json"));
  const svc = await remote.run(node, systemctl("is-active", "rke2-server"));
  const chk = await remote.run(node, certificateCheckTable());
  const bad =
    chk.code === 0
      ? parseCheckTable(chk.stdout).filter((r) => r.status !== "OK" && r.status !== "WARNING")
      : [];
  const certCheck =
    chk.code !== 0
      ? `\`rke2 certificate check\` failed (exit ${chk.code}): ${inlineCode(firstLine(chk.stderr))}`
      : `\`rke2 certificate check\`: ${bad.length ? escapeMrkdwn([...new Set(bad.map((r) => `${r.filename} ${r.status}`))].join(", ")) : "nothing expired"}`;
  const rz = await remote.run(node, etcdHealthCmd());
  const parsed = parseReadyz(rz.code, rz.stdout, rz.stderr);
  const refused = !parsed.ok && isCredentialError(`${rz.stderr}\n${parsed.failed.join(" ")}`);
  const etcd: ServerLook["etcd"] = parsed.ok
    ? { line: "etcd ok (/readyz read with the supervisor's credentials on the node)" }
    : refused
      ? { line: "etcd health not readable (the supervisor's credentials are refused too)" }
      : {
          problem: `${node.name}: /readyz failing on the node: ${parsed.failed.join(", ")}`,
          line: `/readyz failing: ${escapeMrkdwn(parsed.failed.join(", "))}`,
        };
  return {
    node,
    kubectlError: kc.code === 0 ? undefined : firstLine(kc.stderr) || `kubectl exit ${kc.code}`,
    service: svc.stdout.trim() || `unknown (exit ${svc.code})`,
    certCheck,
    etcd,
  };
}

/**
 * Preflight failed because kubectl was refused: is this a dark API (every server's kubectl refused
 * for credentials, and the scan shows why) and otherwise healthy as far as SSH can tell? Read-only.
 * Anything else (a server that answers, a stopped service, etcd failing) is refused with the reason.
 */
export async function assessDarkApi(
  ctx: PreflightContext,
  certs: ReadonlyMap<string, readonly CertRecord[]>,
): Promise<{ ok: true; dark: DarkApi } | { ok: false; problems: string[] }> {
  const now = ctx.clock.now();
  const servers = ctx.cluster.nodes.filter((n) => n.role === "server");
  const agents = ctx.cluster.nodes.filter((n) => n.role === "agent");
  const looks = await forNodes(ctx.remote, servers, (s) => lookAt(ctx, s));
  const agentStates = await forNodes(ctx.remote, agents, async (a) => {
    const r = await ctx.remote.run(a, systemctl("is-active", serviceName(a.role)));
    return { node: a, service: r.stdout.trim() || `unknown (exit ${r.code})` };
  });
  const problems: string[] = [];
  for (const l of looks) {
    if (!l.kubectlError) problems.push(`${l.node.name}: kubectl works there, so the API is not dark`);
    else if (!isCredentialError(l.kubectlError))
      problems.push(`${l.node.name}: kubectl fails for another reason than credentials: ${l.kubectlError}`);
    if (l.service !== "active") problems.push(`${l.node.name}: rke2-server is ${l.service}`);
    if (l.etcd.problem) problems.push(l.etcd.problem);
  }
  for (const a of agentStates)
    if (a.service !== "active") problems.push(`${a.node.name}: rke2-agent is ${a.service}`);
  const per = new Map(servers.map((s) => [s.name, expiredApiCredentials(certs.get(s.name) ?? [], now)]));
  const finding = findDarkApi(
    per,
    servers.map((s) => s.name),
    now,
  );
  if (!finding) {
    const clean = servers.filter((s) => !blocksKubectl(per.get(s.name) ?? [])).map((s) => s.name);
    problems.push(
      `kubectl is refused, but the scan shows no expired admin or API server certificate on ${clean.join(", ")}: not an expiry the rotation fixes (check the kubeconfig and RBAC)`,
    );
  }
  if (problems.length > 0 || !finding) return { ok: false, problems };
  const checks = [
    ...looks.map(
      (l) =>
        `• ${l.node.name}: rke2-server ${escapeMrkdwn(l.service)}; kubectl refused (${inlineCode(l.kubectlError ?? "")}); ${l.certCheck}; ${l.etcd.line}`,
    ),
    ...agentStates.map((a) => `• ${a.node.name}: rke2-agent ${escapeMrkdwn(a.service)}`),
  ];
  return { ok: true, dark: { finding, checks } };
}
