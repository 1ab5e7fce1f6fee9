import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FRAME_AND_FILTER, parseTailErrors, parseTailOutput } from "../../src/rke2/read-cert-files.js";
import { parseCheckTable } from "../../src/rke2/parse-check-table.js";

describe("parseTailOutput", () => {
  it("splits `tail -n +1` framing back into files, including empty ones", () => {
    const out = "==> /a.crt <==\nAAA\nBBB\n\n==> /empty.crt <==\n\n==> /b.kubeconfig <==\nusers: []\n";
    expect(parseTailOutput(out)).toEqual([
      { path: "/a.crt", content: "AAA\nBBB\n" },
      { path: "/empty.crt", content: "\n" },
      { path: "/b.kubeconfig", content: "users: []\n" },
    ]);
  });

  it("keeps content that has no trailing newline", () => {
    expect(parseTailOutput("==> /a <==\nxyz\n==> /b <==\nq")).toEqual([
      { path: "/a", content: "xyz\n" },
      { path: "/b", content: "q" },
    ]);
  });

  it("collects files tail could not open", () => {
    const errs = parseTailErrors("tail: cannot open '/x/y.crt' for reading: Permission denied\nother\n");
    expect([...errs]).toEqual([["/x/y.crt", "Permission denied"]]);
  });
});

describe("the scan's one awk (FRAME_AND_FILTER), run by the system's awk", () => {
  it("frames every file like tail, filters kubeconfigs, and reads on past a file that vanished", () => {
    const dir = mkdtempSync(join(tmpdir(), "frame-"));
    try {
      const f = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
      const a = f("a.crt", "AAA\nBBB\n");
      const empty = f("empty.crt", "");
      const kc = f(
        "k.kubeconfig",
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: QUJD\n    server: https://x\n  name: local\nusers:\n- name: u\n  user:\n    client-certificate-data: REVG\n    client-key-data: U0VDUkVU\n",
      );
      const b = f("b.crt", "CCC");
      // mawk, Debian's awk, stops at the first input file it cannot open; this one must not.
      const r = spawnSync("awk", [FRAME_AND_FILTER, a, join(dir, "gone.crt"), empty, kc, b], {
        encoding: "utf8",
      });
      expect(r.status).toBe(0);
      expect(parseTailOutput(r.stdout)).toEqual([
        { path: a, content: "AAA\nBBB\n" },
        { path: empty, content: "\n" },
        {
          path: kc,
          content:
            "clusters:\n-\n  cluster:\n    certificate-authority-data: QUJD\n  name: local\nusers:\n-\n  name: u\n  user:\n    client-certificate-data: REVG\n",
        },
        { path: b, content: "CCC\n" },
      ]);
      expect(r.stdout).not.toContain("U0VDUkVU");
      expect([...parseTailErrors(r.stderr).keys()]).toEqual([join(dir, "gone.crt")]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Layout as k3s's TableFormatter prints it (reference §1): empty first line, padding 3.
const TABLE = `
FILENAME                     SUBJECT                     USAGES                  EXPIRES                  RESIDUAL TIME   STATUS
--------                     -------                     ------                  -------                  -------------   ------
client-admin.crt             system:admin                ClientAuth              Mar 03, 2027 09:41 UTC   10 months       OK
client-admin.crt             rke2-client-ca@1709458871   CertSign                Feb 28, 2034 09:41 UTC   7 years         OK
serving-kube-apiserver.crt   kube-apiserver              ServerAuth              Jul 10, 2026 09:41 UTC   2 months        WARNING
server-client.crt            etcd-server                 ServerAuth,ClientAuth   Apr 18, 2026 09:41 UTC   5 days          EXPIRED
`;

describe("parseCheckTable", () => {
  it("reads every row by the header's column positions", () => {
    const rows = parseCheckTable(TABLE);
    expect(rows).toHaveLength(4);
    expect(rows[3]).toEqual({
      filename: "server-client.crt",
      subject: "etcd-server",
      usages: ["ServerAuth", "ClientAuth"],
      expires: "Apr 18, 2026 09:41 UTC",
      residual: "5 days",
      status: "EXPIRED",
    });
    expect(rows.map((r) => r.status)).toEqual(["OK", "OK", "WARNING", "EXPIRED"]);
  });

  it("rejects output that is not the table", () => {
    expect(() => parseCheckTable("level=info msg=hello")).toThrow(/header/);
  });
});
