import { createHmac } from "node:crypto";

/** Slack's v0 request signature: HMAC-SHA256 over `v0:{ts}:{body}` with the signing secret. */
export function signSlackRequest(
  secret: string,
  body: string,
  timestampSec: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const sig = `v0=${createHmac("sha256", secret).update(`v0:${timestampSec}:${body}`).digest("hex")}`;
  return { "x-slack-request-timestamp": String(timestampSec), "x-slack-signature": sig };
}
