import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * Layers of src/: the folders each folder may import (besides itself), and the adapter packages it
 * may use. Arrows point inward only; main/ (the composition root) and cli/ may import anything.
 * "ssh-port" is ssh/'s pure surface: the SshExecutor port, the `sh` template, SshError and the
 * sudo diagnosis — never the ssh2 adapter (connect, pool, ssh2-executor). README "Layout" shows
 * the same map; test/architecture/layers.test.ts proves a breach fails lint and that no
 * folder-level import cycle exists.
 */
const LAYERS = {
  shared: { may: [] },
  config: { may: ["shared"] },
  certs: { may: ["shared", "config"] },
  access: { may: ["shared", "config"] },
  checks: { may: ["shared", "config"] },
  schedule: { may: ["shared", "config"] },
  ssh: { may: ["shared", "config"], packages: ["ssh2"] },
  // Rancher's API client (node:https): operations take it like the SSH port, to ask Rancher.
  rancher: { may: ["shared", "config"] },
  rke2: { may: ["shared", "config", "certs", "ssh-port"] },
  scan: { may: ["shared", "config", "certs", "rke2", "ssh-port"] },
  explain: { may: ["shared", "config", "certs", "rke2", "scan", "ssh-port"] },
  operations: {
    may: ["shared", "config", "certs", "rke2", "access", "checks", "schedule", "rancher", "ssh-port"],
  },
  observability: { may: ["shared", "config", "certs"], packages: ["bullmq"] },
  queue: {
    may: ["shared", "config", "certs", "rke2", "scan", "operations", "observability", "ssh-port"],
    packages: ["bullmq", "ioredis"],
  },
  slack: {
    may: [
      ...["shared", "config", "certs", "rke2", "scan", "operations", "access", "explain"],
      ...["observability", "ssh-port"],
    ],
    packages: ["@slack"],
  },
};
const FOLDERS = [...Object.keys(LAYERS), "main", "cli"];
const ADAPTER_PACKAGES = ["@slack", "bullmq", "ioredis", "ssh2"];
const SSH_PORT = ["ssh-executor", "shell-quote", "ssh-error", "sudo-diagnosis"];

function layerRule(folder, { may, packages = [] }) {
  const sshPort = may.includes("ssh-port");
  const banned = FOLDERS.filter((f) => f !== folder && !may.includes(f) && !(sshPort && f === "ssh"));
  const patterns = [
    {
      regex: `^(\\.\\./)+(${banned.join("|")})(/|\\.js$|$)`,
      message: `${folder}/ may import only ${may.join(", ") || "nothing outside itself"} (layers: eslint.config.js).`,
    },
  ];
  if (sshPort)
    patterns.push({
      regex: `^(\\.\\./)+ssh/(?!(${SSH_PORT.join("|")})\\.js$)`,
      message: `${folder}/ takes SSH as a port: import ssh/{${SSH_PORT.join(",")}} only; main/ builds the ssh2 adapter.`,
    });
  const bannedPackages = ADAPTER_PACKAGES.filter((p) => !packages.includes(p));
  if (bannedPackages.length)
    patterns.push({
      // @slack/types is vocabulary (Block Kit shapes, no runtime): the chat port may name KnownBlock.
      regex: `^(${bannedPackages.map((p) => (p === "@slack" ? "@slack/(?!types$)[^/]+" : p)).join("|")})(/|$)`,
      message: `${folder}/ does not use ${bannedPackages.join(", ")}: main/ builds the adapter and hands it in as a port.`,
    });
  return { files: [`src/${folder}/**/*.ts`], rules: { "no-restricted-imports": ["error", { patterns }] } };
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test-results/", ".tmp/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...Object.entries(LAYERS).map(([folder, layer]) => layerRule(folder, layer)),
);
