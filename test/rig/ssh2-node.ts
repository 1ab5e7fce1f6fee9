// A simulated node served by ssh2's own Server inside this process, for when there is no root for
// OpenSSH: ed25519 host key, publickey auth with the rig's client key only, `exec` requests run by the
// node's login shell inside the node's user + mount namespace (userns.ts), exit status or signal sent back.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { timingSafeEqual } from "node:crypto";
import ssh2, { type Connection, type ServerChannel } from "ssh2";
import type { NodeHost, NodeHostSpec } from "./node-host.js";
import { killNamespace, mountNs, NODE_MOUNTS } from "./sshd.js";
import { enterArgs, startNamespaceHolder, type NamespaceHolder } from "./userns.js";

/** root's login shell on this host, which sshd would run the command with. */
function rootShell(): string {
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.startsWith("root:"));
    return line?.split(":")[6]?.trim() || "/bin/sh";
  } catch {
    return "/bin/sh";
  }
}

/** The environment sshd gives a root session (no variables of this process leak into the node). */
function sessionEnv(port: number, remotePort: number, shell: string, extra: Record<string, string>) {
  return {
    HOME: "/root",
    USER: "root",
    LOGNAME: "root",
    SHELL: shell,
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    SSH_CONNECTION: `127.0.0.1 ${remotePort} 127.0.0.1 ${port}`,
    SSH_CLIENT: `127.0.0.1 ${remotePort} ${port}`,
    ...extra,
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

/** Run one `exec` request; the channel gets stdout, stderr and the exit status (or signal). */
function runExec(
  stream: ServerChannel,
  argv: string[],
  env: NodeJS.ProcessEnv,
  running: Set<ChildProcess>,
): ChildProcess {
  // detached: its own process group, killed as a whole if the channel goes away first.
  const child = spawn("nsenter", argv, { detached: true, env, stdio: ["pipe", "pipe", "pipe"], cwd: "/" });
  running.add(child);
  child.on("error", (err) => {
    stream.stderr.write(`${err.message}\n`);
  });
  child.stdin!.on("error", () => undefined); // the command exited without reading its input
  stream.pipe(child.stdin!);
  child.stdout!.pipe(stream, { end: false });
  child.stderr!.pipe(stream.stderr, { end: false });
  child.once("close", (code, sig) => {
    running.delete(child);
    if (stream.destroyed) return;
    if (sig) stream.exit(sig.replace(/^SIG/, ""), false, "");
    else stream.exit(code ?? 255);
    stream.end();
  });
  stream.once("close", () => {
    if (child.exitCode === null && child.signalCode === null) killGroup(child, "SIGKILL");
  });
  return child;
}

const { Server, utils } = ssh2; // CommonJS: no named exports at run time

export async function startSsh2Node(spec: NodeHostSpec): Promise<NodeHost> {
  const hostKey = readFileSync(spec.hostKeyPath);
  const allowed = utils.parseKey(readFileSync(spec.authorizedKeysPath, "utf8").trim());
  if (allowed instanceof Error) throw new Error(`client key: ${allowed.message}`);
  const allowedBlob = allowed.getPublicSSH();
  const shell = rootShell();
  const mounts = NODE_MOUNTS.map(([src, target]) => [join(spec.root, src), target] as const);
  const connections = new Set<Connection>();
  const running = new Set<ChildProcess>();
  let holder: NamespaceHolder | undefined;
  let server: InstanceType<typeof Server> | undefined;

  const onConnection = (client: Connection, remotePort: number) => {
    connections.add(client);
    client.on("error", () => undefined);
    client.on("close", () => connections.delete(client));
    client.on("authentication", (ctx) => {
      if (ctx.method !== "publickey") return ctx.reject(["publickey"]);
      const blob = ctx.key.data;
      const same =
        ctx.key.algo === allowed.type &&
        blob.length === allowedBlob.length &&
        timingSafeEqual(blob, allowedBlob);
      if (!same) return ctx.reject(["publickey"]);
      // Without a signature this is the "would you accept this key?" query.
      if (ctx.signature && allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true)
        return ctx.reject(["publickey"]);
      ctx.accept();
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        const extraEnv: Record<string, string> = {};
        let child: ChildProcess | undefined;
        session.on("env", (accept, _reject, info) => {
          // As the rig's sshd_config: AcceptEnv LANG LC_*
          if (/^(LANG|LC_\w+)$/.test(info.key)) extraEnv[info.key] = info.val;
          accept?.();
        });
        session.on("signal", (accept, _reject, info) => {
          accept?.();
          if (child) killGroup(child, `SIG${info.name}` as NodeJS.Signals);
        });
        session.on("pty", (_a, reject) => reject?.());
        session.on("shell", (_a, reject) => reject());
        session.on("exec", (accept, reject, info) => {
          if (!holder) return reject();
          const stream = accept();
          const env = sessionEnv(spec.port, remotePort, shell, extraEnv);
          child = runExec(stream, enterArgs(holder.child.pid!, shell, info.command), env, running);
        });
      });
    });
  };

  const start = async () => {
    if (server) return;
    holder = await startNamespaceHolder(spec.root, mounts);
    const srv = new Server({ hostKeys: [hostKey] }, (client, info) => onConnection(client, info.port));
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(spec.port, "127.0.0.1", () => resolve());
    }).catch((err: Error) => {
      killAll();
      throw err;
    });
    srv.on("error", () => undefined);
    server = srv;
  };
  const dropSessions = () => {
    const n = connections.size;
    for (const c of connections) (c as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
    connections.clear();
    for (const child of running) killGroup(child, "SIGKILL");
    return n;
  };
  const killAll = () => {
    for (const child of running) killGroup(child, "SIGKILL");
    if (holder) killNamespace(holder.ns, new Set([mountNs(process.pid) ?? ""]));
    holder?.child.kill("SIGKILL");
    holder = undefined;
  };
  await start();
  return {
    port: spec.port,
    start,
    stop: async () => {
      const srv = server;
      server = undefined;
      const closed = srv ? new Promise((r) => srv.close(r)) : Promise.resolve();
      dropSessions();
      const h = holder;
      const alive = h && h.child.exitCode === null && h.child.signalCode === null;
      const gone = alive ? new Promise((r) => h.child.once("exit", r)) : undefined;
      killAll();
      await Promise.all([closed, gone]);
    },
    dropSessions,
    killNow: () => {
      dropSessions();
      killAll();
    },
  };
}
