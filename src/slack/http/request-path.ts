/**
 * The path of an HTTP request target, or undefined when the target is not one we serve.
 * Origin-form ("/healthz?x") and absolute-form ("http://host/healthz") are accepted (RFC 9112
 * §3.2); "*", authority-form and anything WHATWG URL rejects (`http://[/`, `http://a:99999/`,
 * `http://%zz/`) are not. Never throws: the target is raw, unauthenticated input.
 */
export function requestPath(target: string | undefined): string | undefined {
  if (!target) return undefined;
  try {
    // Prefixing keeps "//x" a path, never an authority.
    if (target.startsWith("/")) return new URL(`http://localhost${target}`).pathname;
    if (!/^https?:\/\//i.test(target)) return undefined;
    return new URL(target).pathname;
  } catch {
    return undefined;
  }
}
