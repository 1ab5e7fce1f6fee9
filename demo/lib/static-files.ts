// The channel view's files (demo/public), served as they are: no build step, no CDN.
import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";

const PUBLIC_DIR = fileURLToPath(new URL("../public/", import.meta.url));

const FILES: Record<string, string> = {
  "/": "index.html",
  "/static/style.css": "style.css",
  "/static/app.js": "app.js",
  "/static/blocks.js": "blocks.js",
  "/static/mrkdwn.js": "mrkdwn.js",
  "/static/emoji.js": "emoji.js",
  "/favicon.svg": "favicon.svg",
};

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
};

/** Answers GET requests for the view's own files; false for any other path. */
export async function serveStatic(path: string, res: ServerResponse): Promise<boolean> {
  const name = FILES[path];
  if (!name) return false;
  const body = await readFile(PUBLIC_DIR + name);
  res.writeHead(200, { "content-type": TYPES[name.split(".").pop()!]!, "cache-control": "no-cache" });
  res.end(body);
  return true;
}
