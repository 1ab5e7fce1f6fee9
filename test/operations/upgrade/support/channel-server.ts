import { createServer, type Server } from "node:http";

export interface FixtureChannel {
  id: string;
  latest: string;
}

/** Channels as update.rke2.io would list them for these tests (the rig's nodes start at v1.33.5+rke2r1). */
export const CHANNELS: FixtureChannel[] = [
  { id: "stable", latest: "v1.34.8+rke2r1" },
  { id: "latest", latest: "v1.35.3+rke2r1" },
  { id: "v1.32", latest: "v1.32.9+rke2r1" },
  { id: "v1.33", latest: "v1.33.7+rke2r1" },
  { id: "v1.34", latest: "v1.34.8+rke2r1" },
  { id: "v1.35", latest: "v1.35.3+rke2r1" },
];

export interface ChannelServer {
  /** `<base>/v1-release/channels`, for the inventory's upgrade.channelUrl. */
  url: string;
  /** Request paths seen; a followed redirect would show up as /github/…. */
  hits: string[];
  close(): Promise<void>;
}

/** A local channel server speaking the real JSON collection and the 302 per channel (reference §7). */
export async function startChannelServer(channels: FixtureChannel[] = CHANNELS): Promise<ChannelServer> {
  const hits: string[] = [];
  let base = "";
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "";
    hits.push(url);
    if (url === "/v1-release/channels") {
      res.setHeader("content-type", "application/json");
      const data = channels.map((c) => ({
        ...c,
        type: "channel",
        name: c.id,
        links: { self: `${base}/v1-release/channels/${c.id}` },
      }));
      return void res.end(
        JSON.stringify({
          type: "collection",
          resourceType: "channel",
          links: { self: `${base}/v1-release/channels` },
          actions: {},
          data,
        }),
      );
    }
    const c =
      url.startsWith("/v1-release/channels/") &&
      channels.find((x) => x.id === decodeURIComponent(url.split("/").pop()!));
    if (c)
      return void res
        .writeHead(302, { location: `${base}/github/rancher/rke2/releases/tag/${c.latest}` })
        .end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: `${base}/v1-release/channels`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
