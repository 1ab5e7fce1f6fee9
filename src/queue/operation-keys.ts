/**
 * Redis key layout of the operation ledger. Every key shares the `{prefix}` hash tag so the Lua
 * commit (which touches the op, its nodes, audit, the cluster lock and the active set at once)
 * also works on Redis Cluster.
 *
 *   {p}:op:<id>              hash  version, json (OpRecord)        — CAS on version
 *   {p}:op:<id>:epoch        int   fencing epoch of the running engine attempt
 *   {p}:op:<id>:nodes        hash  node name → json (NodeLedger: step states + facts)
 *   {p}:op:<id>:audit        list  json AuditEntry, oldest first (capped)
 *   {p}:lock:<cluster>       str   "<opId>:<token>" — one operation per cluster (TTL only during preflight)
 *   {p}:lockseq:<cluster>    int   source of lock fencing tokens
 *   {p}:ops:active           set   ids of operations not yet finished
 *   {p}:ops:recent:<cluster> list  latest operation ids, newest first
 *   {p}:audit:<cluster>      stream append-only audit events of the cluster (field e = json), trimmed by age
 *   {p}:progress:<id>/<phase> str  Slack ts of the phase's progress message in the thread (expires)
 */
export function operationKeys(prefix: string) {
  const p = `{${prefix}}`;
  return {
    op: (id: string) => `${p}:op:${id}`,
    epoch: (id: string) => `${p}:op:${id}:epoch`,
    nodes: (id: string) => `${p}:op:${id}:nodes`,
    audit: (id: string) => `${p}:op:${id}:audit`,
    lock: (cluster: string) => `${p}:lock:${cluster}`,
    lockSeq: (cluster: string) => `${p}:lockseq:${cluster}`,
    active: () => `${p}:ops:active`,
    recent: (cluster: string) => `${p}:ops:recent:${cluster}`,
    auditStream: (cluster: string) => `${p}:audit:${cluster}`,
    progress: (opPhase: string) => `${p}:progress:${opPhase}`,
  };
}
export type OperationKeys = ReturnType<typeof operationKeys>;
