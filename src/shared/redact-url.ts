/**
 * Credentials inside URLs never reach Slack or the logs: `upgrade.installCommand` and
 * `upgrade.channelUrl` may carry a mirror's basic-auth userinfo or a signed `token=` query.
 */
const SECRET_PARAM =
  /^(?:token|access_token|auth|auth_token|api_key|apikey|key|password|passwd|pass|secret|client_secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|private_token)$/i;

export const REDACTED = "***";

/** Every URL in `text` with its userinfo and secret-looking query values replaced by ***. */
export function redactUrls(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"`<>]+@/gi, `$1${REDACTED}@`)
    .replace(/([?&;])([^=&;\s'"`#<>]+)=([^&;\s'"`#<>]*)/g, (m, sep: string, key: string) =>
      SECRET_PARAM.test(key) ? `${sep}${key}=${REDACTED}` : m,
    );
}
