import { z } from "zod";
import { ROTATE_SERVICES, type RotateService } from "../../config/rotate-services.js";

const valid = new Set<string>(ROTATE_SERVICES);

/** `services=etcd,kubelet`: the RKE2 services a rotation through Rancher is limited to. */
export const servicesWord = z.string().transform((word, ctx): RotateService[] => {
  const m = /^services=(.*)$/.exec(word);
  if (!m) {
    ctx.addIssue({ code: "custom", message: "expected services=<service>[,<service>…]" });
    return z.NEVER;
  }
  const names = m[1]!.split(",").filter((s) => s !== "");
  const unknown = names.filter((n) => !valid.has(n));
  if (names.length === 0 || unknown.length > 0) {
    const what = unknown.length > 0 ? `unknown service ${unknown.join(", ")}` : "no service named";
    ctx.addIssue({ code: "custom", message: `${what}; valid services: ${ROTATE_SERVICES.join(", ")}` });
    return z.NEVER;
  }
  return [...new Set(names)] as RotateService[];
});

/** The words after `/rke2 rotate <cluster>`: nothing, or one services= word. */
export const rotateArgs = z
  .union([z.tuple([]), z.tuple([servicesWord])])
  .transform((t): Record<string, unknown> => (t.length === 1 ? { services: t[0] } : {}));
