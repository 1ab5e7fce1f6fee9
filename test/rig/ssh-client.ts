// Run a command on a simulated node with the real OpenSSH client, strict host key checking against the pinned key.
import { spawn } from "node:child_process";

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function sshArgs(o: { port: number; clientKeyPath: string; knownHostsPath: string }): string[] {
  return [
    "-F",
    "/dev/null",
    "-i",
    o.clientKeyPath,
    "-p",
    String(o.port),
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${o.knownHostsPath}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "ConnectTimeout=5",
    "root@127.0.0.1",
  ];
}

export function runSsh(
  o: { port: number; clientKeyPath: string; knownHostsPath: string },
  command: string,
  timeoutMs = 60_000,
): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("ssh", [...sshArgs(o), "--", command], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? 255 : 0), stdout, stderr });
    });
  });
}
