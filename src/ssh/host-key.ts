import { createHash } from "node:crypto";

/** OpenSSH's fingerprint format: "SHA256:" + unpadded base64 of sha256(key blob), as `ssh-keygen -lf` prints. */
export function fingerprintOf(keyBlob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "");
}

/** Host key types we accept; ssh2's default list ends with SHA-1 ssh-rsa, which OpenSSH dropped. */
export const HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
] as const;
