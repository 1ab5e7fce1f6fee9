// The rig's nodes without root: ssh2's Server in this process, each node's commands in an unprivileged
// user + mount namespace. Checked with the real OpenSSH client (strict host key checking) and ssh2's client.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimCluster, userNamespacesAvailable, type SimCluster } from "./sim-cluster.js";
import { newEd25519 } from "./sshd.js";
import { enterArgs, startNamespaceHolder } from "./userns.js";

const userns = userNamespacesAvailable();

function runIn(holderPid: number, command: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("nsenter", enterArgs(holderPid, "/bin/sh", command), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe.skipIf(!userns.ok)(
  `ssh2 nodes in user namespaces${userns.ok ? "" : ` (skipped: ${userns.reason})`}`,
  () => {
    describe("node namespace", () => {
      const tag = `rke2-sim-test-${process.pid}`;
      const targets = [`/etc/${tag}/rke2`, `/var/lib/${tag}/rke2`, `/var/lib/${tag}/rke2-chatops`];
      let dir: string;
      beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), "rke2-sim-userns-test-"));
      });
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it("creates missing paths on a tmpfs over their parent, keeps what the tmpfs hides, leaves the host alone", async () => {
        const mounts = targets.map((t, i) => {
          const src = join(dir, `src-${i}`);
          mkdirSync(src);
          writeFileSync(join(src, "marker"), `node dir ${i}\n`);
          return [src, t] as const;
        });
        const holder = await startNamespaceHolder(dir, mounts);
        try {
          const r = await runIn(
            holder.child.pid!,
            `id -u; pwd; ${targets.map((t) => `cat ${t}/marker`).join("; ")}; head -1 /etc/passwd; test -d /var/lib/dpkg || test -d /var/lib/apt && echo var-lib-kept; touch /etc/${tag}/rke2/new`,
          );
          expect(r.out).toBe(
            "0\n/root\nnode dir 0\nnode dir 1\nnode dir 2\n" +
              readFileSync("/etc/passwd", "utf8").split("\n")[0] +
              "\nvar-lib-kept\n",
          );
          expect(r.code).toBe(0);
          expect(existsSync(join(dir, "src-0", "new"))).toBe(true); // written through the bind mount
          for (const t of targets) expect(existsSync(t)).toBe(false); // nothing created on the host
        } finally {
          holder.child.kill("SIGKILL");
        }
      });
    });

    describe("a cluster of ssh2 nodes", () => {
      let sim: SimCluster;
      beforeAll(async () => {
        sim = await startSimCluster({
          name: "ssh2",
          nodes: [{ name: "cp-1", role: "server" }],
          nodeHost: "ssh2",
        });
      }, 60_000);
      afterAll(() => sim?.stop());

      it("answers OpenSSH with the pinned host key, as root at the RKE2 paths, with exit codes", async () => {
        const r = await sim.ssh(
          "cp-1",
          "id -u; echo $HOME; rke2 --version | head -1; cat /etc/rancher/rke2/config.yaml",
        );
        expect(r).toEqual({
          code: 0,
          stdout:
            "0\n/root\nrke2 version v1.33.5+rke2r1 (" +
            r.stdout.split("(")[1]!.split(")")[0] +
            ")\nnode-name: cp-1\n",
          stderr: "",
        });
        expect((await sim.ssh("cp-1", "echo oops >&2; exit 7")).code).toBe(7);
        const fp = sim.nodes[0]!.hostKeyFingerprint;
        expect(readFileSync(sim.knownHostsPath, "utf8")).toContain(
          `[127.0.0.1]:${sim.nodes[0]!.port} ssh-ed25519 `,
        );
        expect(fp).toMatch(/^SHA256:/);
      });

      it("refuses any other client key", async () => {
        const other = newEd25519("intruder");
        const c = new ssh2.Client();
        const err = await new Promise<Error | undefined>((resolve) => {
          c.on("ready", () => resolve(undefined));
          c.on("error", resolve);
          c.connect({
            host: "127.0.0.1",
            port: sim.nodes[0]!.port,
            username: "root",
            privateKey: other.privateKey,
          });
        });
        c.end();
        expect(err?.message).toMatch(/All configured authentication methods failed/);
      });

      it("passes a signal to the command, and is back on the same port after stop/start", async () => {
        const c = new ssh2.Client();
        await new Promise<void>((resolve, reject) => {
          c.on("ready", resolve).on("error", reject);
          c.connect({
            host: "127.0.0.1",
            port: sim.nodes[0]!.port,
            username: "root",
            privateKey: readFileSync(sim.clientKeyPath),
          });
        });
        const pidFile = join(sim.dir, "sleeper.pid");
        const exit = await new Promise<{ code: unknown; signal: unknown }>((resolve, reject) =>
          c.exec(`echo $$ > ${pidFile}; exec sleep 300`, (err, stream) => {
            if (err) return reject(err);
            stream.on("exit", (code: unknown, signal: unknown) => resolve({ code, signal }));
            stream.resume();
            const poll = setInterval(() => {
              if (!existsSync(pidFile) || !readFileSync(pidFile, "utf8").trim()) return;
              clearInterval(poll);
              stream.signal("KILL");
            }, 20);
          }),
        );
        c.end();
        expect(exit).toEqual({ code: null, signal: "SIGKILL" }); // sent as "KILL", as OpenSSH does
        const pid = Number(readFileSync(pidFile, "utf8"));
        expect(() => process.kill(pid, 0)).toThrow();

        await sim.stopSshd("cp-1");
        expect((await sim.ssh("cp-1", "true", 5000)).code).toBe(255);
        await sim.startSshd("cp-1");
        expect((await sim.ssh("cp-1", "echo back")).stdout).toBe("back\n");
      }, 30_000);
    });
  },
);
