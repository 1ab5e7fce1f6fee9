import { z } from "zod";
import { redactUrls } from "../shared/redact-url.js";
import { AppError } from "../shared/app-error.js";

/** A release channel as the channel server lists it (rancher/apiserver collection). */
export interface Channel {
  id: string;
  latest: string;
}

const collectionSchema = z.object({
  data: z.array(z.object({ id: z.string(), latest: z.string().optional() }).loose()),
});

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** The release channel server could not be read (unreachable, wrong URL, not the channels API). */
export class ChannelServerError extends AppError<"CHANNEL_SERVER"> {
  readonly code = "CHANNEL_SERVER";
  constructor(message: string) {
    // A person checks channelUrl or the network; the next request tries the server again anyway.
    super(message, { retryable: false });
  }
}

/** A channel list is a few KiB; anything near this is not a channel server. */
export const MAX_CHANNEL_RESPONSE_BYTES = 1024 * 1024;

/** Read at most `max` bytes of the body; more than that aborts the transfer and says so. */
async function readCapped(res: Response, where: string, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "");
  const tooBig = () =>
    new ChannelServerError(
      `release channel server ${where} sent more than ${max / 1024 / 1024} MB; refusing to read it (is channelUrl right?)`,
    );
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** HTML (a proxy's login page, a web UI instead of the API) is refused by its type; anything else must parse. */
function parseJson(body: string, contentType: string, where: string): unknown {
  const refuse = (what: string) =>
    new ChannelServerError(
      `release channel server ${where} answered with ${what}, not JSON: channelUrl must point at the channels API (…/v1-release/channels)`,
    );
  if (/^\s*text\/html/i.test(contentType)) throw refuse(contentType.split(";")[0]!.trim());
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw refuse(`${contentType ? `${contentType.split(";")[0]!.trim()} ` : ""}content that does not parse`);
  }
}

/**
 * Read the channel list from `<channelUrl>` (GET, JSON collection). Mirrors serve the same JSON;
 * nothing here follows the GitHub redirect, which air-gapped sites cannot reach. Messages name the
 * URL with its credentials redacted; the body is capped at 1 MB.
 */
export async function fetchChannels(
  channelUrl: string,
  fetchFn: FetchLike = fetch,
  timeoutMs = 10_000,
  maxBytes = MAX_CHANNEL_RESPONSE_BYTES,
): Promise<Channel[]> {
  const where = redactUrls(channelUrl);
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetchFn(channelUrl, { redirect: "manual", signal, headers: { accept: "application/json" } });
  } catch (err) {
    throw new ChannelServerError(
      `cannot reach the release channel server ${where}: ${redactUrls((err as Error).message)}`,
    );
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new ChannelServerError(`release channel server ${where} answered HTTP ${res.status}`);
  }
  let body: string;
  try {
    body = await readCapped(res, where, maxBytes);
  } catch (err) {
    if (err instanceof ChannelServerError) throw err;
    throw new ChannelServerError(
      `release channel server ${where}: reading the answer failed: ${redactUrls((err as Error).message)}`,
    );
  }
  const parsed = collectionSchema.safeParse(parseJson(body, res.headers.get("content-type") ?? "", where));
  if (!parsed.success)
    throw new ChannelServerError(`release channel server ${where} did not answer with a channel collection`);
  return parsed.data.data.flatMap((c) => (c.latest ? [{ id: c.id, latest: c.latest }] : []));
}

/**
 * Resolve one channel through its 302 without following it: the version is the last path
 * segment of the Location header (…/releases/tag/v1.34.8+rke2r1).
 */
export async function resolveChannelRedirect(
  channelUrl: string,
  id: string,
  fetchFn: FetchLike = fetch,
  timeoutMs = 10_000,
): Promise<string | undefined> {
  const url = `${channelUrl.replace(/\/+$/, "")}/${encodeURIComponent(id)}`;
  const res = await fetchFn(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
  if (res.status < 300 || res.status >= 400) return undefined;
  const location = res.headers.get("location");
  if (!location) return undefined;
  return decodeURIComponent(location.replace(/\/+$/, "").split("/").pop() ?? "");
}
