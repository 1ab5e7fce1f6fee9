import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { readBundle } from "../../rig/fixtures/lib/certinfo.mjs";
import type { SimNode } from "../../rig/sim-cluster.js";

export interface HostLeaf {
  serial: string;
  notBefore: number;
  notAfter: number;
}

/** Leaf certificates of a simulated node read from the host side (not through the code under test). */
export function hostLeaves(n: SimNode): Map<string, HostLeaf> {
  const out = new Map<string, HostLeaf>();
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (!/^tls-\d+$/.test(f) && f !== "bin") walk(p);
      } else if (f.endsWith(".crt")) {
        const leaf = readBundle(p)[0];
        if (leaf && !leaf.usages.includes("CertSign"))
          out.set(relative(n.dataDir, p), {
            serial: leaf.serial,
            notBefore: leaf.notBefore,
            notAfter: leaf.notAfter,
          });
      }
    }
  };
  walk(n.dataDir);
  return out;
}
