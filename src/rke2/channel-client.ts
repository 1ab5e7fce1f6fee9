import { z } from "zod";

/** A release channel as the channel server lists it (rancher/apiserver collection). */
export interface Channel {
  id: string;
  latest: string;
}

const collectionSchema = z.object({
  data: z.array(z.object({ id: z.string(), latest: z.string().optional() }).loose()),
});

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export class ChannelServerError extends Error {
  readonly code = "CHANNEL_SERVER";
}

/**
 * Read the channel list from `<channelUrl>` (GET, JSON collection). Mirrors serve the same JSON;
 * nothing here follows the GitHub redirect, which air-gapped sites cannot reach.
 */
export async function fetchChannels(
  channelUrl: string,
  fetchFn: FetchLike = fetch,
  timeoutMs = 10_000,
): Promise<Channel[]> {
  let res: Response;
  try {
    res = await fetchFn(channelUrl, {
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
  } catch (err) {
    throw new ChannelServerError(
      `cannot reach the release channel server ${channelUrl}: ${(err as Error).message}`,
    );
  }
  if (res.status !== 200)
    throw new ChannelServerError(`release channel server ${channelUrl} answered HTTP ${res.status}`);
  const parsed = collectionSchema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success)
    throw new ChannelServerError(
      `release channel server ${channelUrl} did not answer with a channel collection`,
    );
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
