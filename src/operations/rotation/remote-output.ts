import { redactUrls } from "../../shared/redact-url.js";
import type { CommandResult } from "../../ssh/ssh-executor.js";
import type { StepFailure } from "../engine/definition.js";

/** `rke2 certificate rotate` ends with "Successfully backed up certificates to <dir>, please restart …" (logrus, stderr). */
export function parseRotateBackupDir(output: string): string | undefined {
  return /backed up certificates to ([^\s,"]+)/.exec(output)?.[1];
}

/** `rke2 etcd-snapshot save` logs "Snapshot <name>-<node>-<unix> saved." */
export function parseSnapshotName(output: string): string | undefined {
  return /Snapshot (\S+) saved\./.exec(output)?.[1];
}

/** Lines of `find … -printf '%s %p\n'` → files with sizes. */
export function parseSizedPaths(stdout: string): Array<{ path: string; size: number }> {
  return stdout
    .split("\n")
    .map((l) => /^(\d+) (.+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ size: Number(m[1]), path: m[2] as string }));
}

/** Backup dirs `tls-<unix>` from `ls -1d …/tls-*`, newest first. */
export function parseTlsBackupDirs(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /\/tls-\d+$/.test(l))
    .sort((a, b) => Number(b.split("-").pop()) - Number(a.split("-").pop()));
}

const STDERR_MAX = 1500;

/** Keep the end of stderr: that is where tools say what went wrong. */
export function trimStderr(s: string): string {
  const t = s.trim();
  return t.length <= STDERR_MAX ? t : `…${t.slice(-STDERR_MAX)}`;
}

/** Recorded in the ledger and shown in Slack: URL credentials (installer mirrors) are redacted here, once. */
export function commandFailure(what: string, command: string, res: CommandResult): StepFailure {
  const how = res.timedOut ? "timed out" : `exited ${res.code ?? `by signal ${res.signal ?? "?"}`}`;
  const shown = redactUrls(command);
  return {
    message: `${what}: \`${shown}\` ${how}`,
    command: shown,
    exitCode: res.code,
    stderr: redactUrls(trimStderr(res.stderr || res.stdout)),
  };
}

export const humanSize = (n: number): string =>
  n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
