// The simulated cluster the demo scans and rotates: 3 servers + 2 agents with varied expiry dates.
import type { SimNodeOptions } from "../../test/rig/sim-cluster.js";

export const DEMO_CLUSTER = "demo";
export const DEMO_CHANNEL = "C0DEMOOPS";
export const DEMO_CHANNEL_NAME = "demo-ops";

/** Key of the certificate that has already expired, and of the one inside the 120-day renewal window. */
export const EXPIRED_CERT = { node: "cp-2", file: "serving-kube-apiserver.crt", days: -3 };
export const RENEWAL_WINDOW_CERT = { node: "agent-1", file: "client-kubelet.crt", days: 45 };

/** Every other leaf is healthy, with a different lifetime per node so the report is not uniform. */
export const DEMO_NODES: SimNodeOptions[] = [
  { name: "cp-1", role: "server", certs: { leafDays: 330 } },
  {
    name: "cp-2",
    role: "server",
    certs: {
      leafDays: 290,
      overrides: { [`server/tls/${EXPIRED_CERT.file}`]: { notAfterDays: EXPIRED_CERT.days } },
    },
  },
  { name: "cp-3", role: "server", certs: { leafDays: 250 } },
  {
    name: "agent-1",
    role: "agent",
    certs: {
      leafDays: 300,
      overrides: { [`agent/${RENEWAL_WINDOW_CERT.file}`]: { notAfterDays: RENEWAL_WINDOW_CERT.days } },
    },
  },
  { name: "agent-2", role: "agent", certs: { leafDays: 270 } },
];
