import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface HttpOptions {
  method: "GET" | "PUT";
  headers: Record<string, string>;
  body?: string;
  /** PEM bundle trusted instead of the system roots (a Rancher behind a private CA). */
  ca?: string;
  timeoutMs: number;
}

/**
 * One HTTP exchange. node:https rather than fetch: fetch takes a custom CA only through an undici
 * Agent, and undici is not one of our declared dependencies. http: only for tests on loopback.
 */
export function httpExchange(url: URL, o: HttpOptions): Promise<HttpAnswer> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: o.method, headers: o.headers, timeout: o.timeoutMs, ...(o.ca ? { ca: o.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on("error", reject);
    req.end(o.body);
  });
}

export const readCaBundle = (path: string): Promise<string> => readFile(path, "utf8");
