/** Default RKE2 locations (reference §2, §8). */
export const DATA_DIR = "/var/lib/rancher/rke2";
export const SERVER_TLS_DIR = `${DATA_DIR}/server/tls`;
export const AGENT_DIR = `${DATA_DIR}/agent`;
export const SNAPSHOT_DIR = `${DATA_DIR}/server/db/snapshots`;
export const KUBECTL = `${DATA_DIR}/bin/kubectl`;
export const ADMIN_KUBECONFIG = "/etc/rancher/rke2/rke2.yaml";
export const serviceName = (role: "server" | "agent") => (role === "server" ? "rke2-server" : "rke2-agent");
