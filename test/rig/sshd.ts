// One real OpenSSH sshd per simulated node, inside its own mount namespace (unshare --mount) so that
// /var/lib/rancher/rke2, /etc/rancher/rke2, /usr/local/bin and /root are that node's private directories.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

/** Host paths that each node sees at its own private copy. */
export const NODE_MOUNTS = [
  ["var-lib-rancher-rke2", "/var/lib/rancher/rke2"],
  ["var-lib-rancher-rke2-chatops", "/var/lib/rancher/rke2-chatops"],
  ["etc-rancher-rke2", "/etc/rancher/rke2"],
  ["usr-local-bin", "/usr/local/bin"],
  ["root-home", "/root"],
] as const;

/** Root, and `unshare --mount` with a private bind mount works. */
export function namespacesAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== "linux")
    return { ok: false, reason: `mount namespaces need Linux (this is ${process.platform})` };
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    return {
      ok: false,
      reason: `the simulated cluster needs root (uid ${process.getuid()}) for unshare --mount and sshd`,
    };
  for (const bin of ["/usr/sbin/sshd", "/usr/bin/ssh"]) {
    const r = spawnSync(bin, ["-V"], { encoding: "utf8" });
    if (r.error) return { ok: false, reason: `${bin} is not usable: ${r.error.message}` };
  }
  const r = spawnSync(
    "unshare",
    ["--mount", "--propagation", "private", "--", "sh", "-c", "mount --bind /tmp /mnt && echo ok"],
    { encoding: "utf8" },
  );
  if (r.error) return { ok: false, reason: `unshare not usable: ${r.error.message}` };
  if (r.status !== 0 || !r.stdout.includes("ok"))
    return {
      ok: false,
      reason: `unshare --mount failed (exit ${r.status}): ${(r.stderr || r.stdout).trim() || "no output"}`,
    };
  return { ok: true };
}

/**
 * A fresh ed25519 key pair in OpenSSH format: { privateKey, publicKey ("ssh-ed25519 AAAA… comment"), fingerprint }.
 * Serialized here (openssh-key-v1, unencrypted): ssh2's keygen drops leading zero bytes of the public key
 * (1 key in 256 is then unreadable by sshd).
 */
export function newEd25519(comment: string): { privateKey: string; publicKey: string; fingerprint: string } {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const pub = Buffer.from(jwk.x!, "base64url");
  const seed = Buffer.from(jwk.d!, "base64url");
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const str = (b: Buffer | string) => {
    const buf = typeof b === "string" ? Buffer.from(b) : b;
    return Buffer.concat([u32(buf.length), buf]);
  };
  const pubBlob = Buffer.concat([str("ssh-ed25519"), str(pub)]);
  const check = randomBytes(4);
  let priv = Buffer.concat([
    check,
    check,
    str("ssh-ed25519"),
    str(pub),
    str(Buffer.concat([seed, pub])),
    str(comment),
  ]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    str("none"),
    str("none"),
    str(""),
    u32(1),
    str(pubBlob),
    str(priv),
  ]);
  const b64 = body
    .toString("base64")
    .replace(/(.{70})/g, "$1\n")
    .replace(/\n$/, "");
  const publicKey = `ssh-ed25519 ${pubBlob.toString("base64")} ${comment}`;
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey,
    fingerprint: fingerprintOf(publicKey),
  };
}

/** SHA256:<base64 without padding> of a public key line, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? "", "base64");
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

export interface SshdSpec {
  root: string;
  port: number;
  hostKeyPath: string;
  authorizedKeysPath: string;
}

export function writeSshdConfig(spec: SshdSpec): string {
  const cfg = join(spec.root, "sshd_config");
  writeFileSync(
    cfg,
    [
      "ListenAddress 127.0.0.1",
      `Port ${spec.port}`,
      `HostKey ${spec.hostKeyPath}`,
      `AuthorizedKeysFile ${spec.authorizedKeysPath}`,
      "PermitRootLogin prohibit-password",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      `PidFile ${join(spec.root, "sshd.pid")}`,
      "MaxStartups 200",
      "MaxSessions 100",
      "LogLevel ERROR",
      "UseDNS no",
      "PrintMotd no",
      "PrintLastLog no",
      "AcceptEnv LANG LC_*",
      "Subsystem sftp internal-sftp",
      "",
    ].join("\n"),
  );
  return cfg;
}

/** Start sshd -D in a new mount namespace with the node's bind mounts. Resolves once it speaks SSH. */
export async function launchSshd(spec: SshdSpec, cfg: string): Promise<ChildProcess> {
  for (const [, target] of NODE_MOUNTS) mkdirSync(target, { recursive: true });
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const binds = NODE_MOUNTS.map(([src, target]) => `mount --bind '${join(spec.root, src)}' '${target}'`).join(
    " && ",
  );
  const log = openSync(join(spec.root, "sshd.log"), "a");
  const child = spawn(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "--",
      "sh",
      "-c",
      `${binds} && exec /usr/sbin/sshd -D -e -f '${cfg}'`,
    ],
    {
      stdio: ["ignore", log, log],
    },
  );
  closeSync(log);
  child.on("error", () => undefined);
  let exited: string | undefined;
  child.once("exit", (code, sig) => {
    let text = "";
    try {
      text = readFileSync(join(spec.root, "sshd.log"), "utf8").trim().split("\n").slice(-5).join(" | ");
    } catch {
      /* no log */
    }
    exited = `sshd for ${spec.root} on port ${spec.port} exited (${code ?? sig}): ${text || "no output"}`;
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new Error(exited);
    if (await speaksSsh(spec.port)) return child;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`sshd on port ${spec.port} did not answer within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function speaksSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port });
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on("error", () => done(false));
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.includes("SSH-2.0-")) done(true);
    });
  });
}

/** The mount namespace id of a process ("mnt:[4026532…]"), or undefined when it is gone. */
export function mountNs(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/** SIGKILL every process living in the given mount namespace (sshd, its sessions, running fixtures). */
export function killNamespace(ns: string | undefined, except: Set<string>): void {
  if (!ns || except.has(ns)) return;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (mountNs(Number(entry)) === ns) {
      try {
        process.kill(Number(entry), "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

/** SIGKILL the per-connection sshd processes of a namespace (not the listener, not detached jobs). */
export function killSessions(ns: string | undefined, listenerPid: number | undefined): number {
  if (!ns) return 0;
  let n = 0;
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!/^\d+$/.test(entry) || pid === listenerPid || mountNs(pid) !== ns) continue;
    let comm = "";
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    if (comm !== "sshd" && !comm.startsWith("sshd-")) continue;
    try {
      process.kill(pid, "SIGKILL");
      n++;
    } catch {
      /* already gone */
    }
  }
  return n;
}

export async function stopProcess(child: ChildProcess | undefined, ns: string | undefined): Promise<void> {
  const own = new Set([mountNs(process.pid) ?? ""]);
  if (child && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child.once("exit", r));
    killNamespace(ns, own);
    child.kill("SIGKILL");
    await gone;
  } else killNamespace(ns, own);
}
