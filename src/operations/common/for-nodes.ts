import { SSH_POOL_DEFAULTS } from "../../config/ssh-pool-settings.js";
import { mapLimit } from "../../shared/map-limit.js";
import type { RemoteAccess } from "../engine/definition.js";

/** Every fan-out over a cluster's nodes: at most `remote.concurrency` at once, results in order. */
export const forNodes = <T, R>(
  remote: Pick<RemoteAccess, "concurrency">,
  items: readonly T[],
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> => mapLimit(items, remote.concurrency ?? SSH_POOL_DEFAULTS.maxConcurrency, fn);
