import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sh, shellQuote, withSudo } from "../../src/ssh/shell-quote.js";

/** Run a line in a real /bin/sh and return what `printf '%s\n'` saw as separate words. */
const words = (line: string) => execFileSync("/bin/sh", ["-c", line], { encoding: "utf8" });

const hostile = [
  "a; rm -rf /",
  "$(touch /tmp/pwned)",
  "`id`",
  "it's",
  'dq"uote',
  "new\nline",
  "glob*?[x]",
  "-n",
  "",
  "back\\slash",
  "&& echo hi |",
];

describe("shell quoting", () => {
  it.each(hostile)("passes %j through sh as one literal word", (v) => {
    expect(words(`printf '%s\\n' ${shellQuote(v)}`)).toBe(v + "\n");
  });

  it("the sh template quotes every interpolated value and arrays as separate words", () => {
    const cmd = sh`printf '%s|' ${"a b"} ${["c;d", "$(e)"]}`;
    expect(words(cmd.line)).toBe("a b|c;d|$(e)|");
  });

  it("withSudo wraps the whole line for sh -c without changing its meaning", () => {
    const cmd = withSudo(sh`printf '%s' ${"x'; id; '"}`, true);
    expect(cmd.line.startsWith("sudo -n sh -c ")).toBe(true);
    // Run the wrapped command with a stand-in sudo that just executes its arguments.
    expect(words(`sudo() { shift; "$@"; }; ${cmd.line}`)).toBe("x'; id; '");
  });

  it("refuses NUL bytes", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
  });
});
