import type { RemoteCommand } from "../ssh/shell-quote.js";
import { AGENT_DIR, DATA_DIR } from "./paths.js";

/** The timestamped backups `rke2 certificate rotate` leaves (server/tls-<unix>, agent/tls-<unix>). */
export function listTlsBackupsCommand(): RemoteCommand {
  return { line: `ls -1d ${DATA_DIR}/server/tls-* ${AGENT_DIR}/tls-* 2>/dev/null || true` };
}

export interface TlsBackup {
  path: string;
  takenAt: string;
}

/** Newest first; entries whose name is not tls-<unix seconds> are ignored. */
export function parseTlsBackups(stdout: string): TlsBackup[] {
  return stdout
    .split("\n")
    .map((l) => l.trim())
    .flatMap((path) => {
      const m = /\/tls-(\d{9,11})$/.exec(path);
      return m ? [{ path, takenAt: new Date(Number(m[1]) * 1000).toISOString() }] : [];
    })
    .sort((a, b) => b.takenAt.localeCompare(a.takenAt));
}
