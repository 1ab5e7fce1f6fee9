import { sh, type RemoteCommand } from "../ssh/shell-quote.js";

/**
 * Shell scripts for running one state-changing command at most once on a node, detached from the
 * SSH session. Layout under the bot's own directory:
 *   <root>/<opId>/<key>.lock          flock held for as long as the command runs (one per step)
 *   <root>/<opId>/<key>.<n>.pid       "<pgid> <unix start>" of attempt n (setsid: its own group)
 *   <root>/<opId>/<key>.<n>.out|.err  the command's output
 *   <root>/<opId>/<key>.<n>.rc        its exit code, written atomically (tmp + mv) when it ends
 *   <root>/<opId>/<key>.<n>.killed    why it was stopped (timeout)
 */
export const ACTION_ROOT = "/var/lib/rancher/rke2-chatops";

/** Exit codes of the start script that are not the command's. */
export const START_BUSY = 75;
export const START_RECORDED = 76;
export const START_SETUP_FAILED = 71;

/** Days after which another operation's directory (aborted, cancelled, never finished) is removed. */
const STALE_DAYS = 14;

const SAFE = /^[A-Za-z0-9._-]+$/;

export interface ActionRef {
  opId: string;
  /** `<node>.<phase>.<step>`: names the lock, so two attempts of one step never overlap. */
  key: string;
  /** The step's attempt number: each attempt has its own record. */
  attempt: number;
}

/** Build a ref; every part is checked to [A-Za-z0-9._-] (they become file names on the node). */
export function actionRef(opId: string, parts: string[], attempt: number): ActionRef {
  const key = parts.join(".");
  for (const v of [opId, key])
    if (!SAFE.test(v) || v.startsWith(".")) throw new Error(`invalid action id part ${JSON.stringify(v)}`);
  if (!Number.isInteger(attempt) || attempt < 0) throw new Error(`invalid attempt ${attempt}`);
  return { opId, key, attempt };
}

const paths = (a: ActionRef) => {
  const dir = `${ACTION_ROOT}/${a.opId}`;
  return { dir, lock: `${dir}/${a.key}.lock`, rec: `${dir}/${a.key}.${a.attempt}` };
};

// The detached runner: $1 = record prefix, $2 = command line. fd 9 (the lock) stays open here and
// is closed for the command, so only this shell holds the lock and it ends when the command ends.
const RUNNER = [
  'echo "$$ $(date +%s)" >"$1.pid.tmp" && mv -f "$1.pid.tmp" "$1.pid"',
  '(eval "$2") 9>&- </dev/null >"$1.out" 2>"$1.err"',
  "rc=$?",
  'echo "$rc" >"$1.rc.tmp" && mv -f "$1.rc.tmp" "$1.rc"',
].join("; ");

/**
 * Start `cmd` detached under the step's lock. Exits 0 once started, START_BUSY when another copy
 * holds the lock (nothing started), START_RECORDED when this attempt already has a record.
 */
export function startActionScript(a: ActionRef, cmd: RemoteCommand): RemoteCommand {
  const p = paths(a);
  return sh`umask 077; mkdir -p ${p.dir} || exit ${START_SETUP_FAILED}
find ${ACTION_ROOT} -mindepth 1 -maxdepth 1 -type d ! -name ${a.opId} -mtime +${STALE_DAYS} -exec rm -rf {} + 2>/dev/null
exec 9>>${p.lock} || exit ${START_SETUP_FAILED}
flock -n 9 || exit ${START_BUSY}
test -e ${`${p.rec}.rc`} && exit ${START_RECORDED}
rm -f ${`${p.rec}.out`} ${`${p.rec}.err`} ${`${p.rec}.pid`} ${`${p.rec}.killed`}
setsid -f sh -c ${RUNNER} sh ${p.rec} ${cmd.line} </dev/null >/dev/null 2>&1 || exit ${START_SETUP_FAILED}
exit 0`;
}

/**
 * One line: `none` (never started), `running <seconds>` (lock held), `done <rc>`, or `lost`
 * (started, no exit code, lock free: the runner died with the node). The lock is taken before
 * the record is read: the runner writes rc before it lets go, so `none` is never a finished run.
 * A running attempt is waited for on the lock (a long poll): the answer comes the moment it ends,
 * or `running` after `waitSeconds` (a whole number, at least 1).
 */
export function probeActionScript(a: ActionRef, waitSeconds: number): RemoteCommand {
  const p = paths(a);
  const pid = `${p.rec}.pid`;
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1) throw new Error(`invalid wait ${waitSeconds}`);
  return sh`test -d ${p.dir} || { echo none; exit 0; }
exec 9>>${p.lock} || { echo none; exit 0; }
if flock -w ${waitSeconds} 9; then
  if test -e ${`${p.rec}.rc`}; then echo "done $(cat ${`${p.rec}.rc`})"
  elif test -e ${pid}; then echo lost; else echo none; fi
else
  s=$(cut -d' ' -f2 ${pid} 2>/dev/null); echo "running $(( $(date +%s) - \${s:-$(date +%s)} ))"
fi`;
}

/** The recorded output on stdout/stderr; exits with the recorded exit code. */
export function fetchActionScript(a: ActionRef): RemoteCommand {
  const r = paths(a).rec;
  return sh`cat ${`${r}.out`} 2>/dev/null; cat ${`${r}.err`} ${`${r}.killed`} >&2 2>/dev/null; exit "$(cat ${`${r}.rc`})"`;
}

/**
 * Stop a running attempt as root: SIGKILL its process group (setsid made the runner its leader),
 * record why, and wait for the lock to come free. Prints `stopped` or `finished` (it ended first).
 */
export function stopActionScript(a: ActionRef, why: string): RemoteCommand {
  const p = paths(a);
  const rc = `${p.rec}.rc`;
  return sh`if test -e ${rc}; then echo finished; exit 0; fi
g=$(cut -d' ' -f1 ${`${p.rec}.pid`} 2>/dev/null)
test -n "$g" && kill -9 "-$g" 2>/dev/null
exec 9>>${p.lock}; flock -w 10 9 || { echo still-running; exit 1; }
if test -e ${rc}; then echo finished; exit 0; fi
echo ${why} >${`${p.rec}.killed`}; echo 137 >${`${rc}.tmp`} && mv -f ${`${rc}.tmp`} ${rc}
echo stopped`;
}

/** Remove an operation's records (best effort, when it ends). */
export function cleanupActionsScript(opId: string): RemoteCommand {
  if (!SAFE.test(opId) || opId.startsWith(".")) throw new Error(`invalid operation id ${opId}`);
  return sh`rm -rf ${`${ACTION_ROOT}/${opId}`}`;
}
