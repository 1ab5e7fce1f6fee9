/** One PEM CERTIFICATE block found in a file, or why the file yields none. */
export type PemBlock = { index: number; der: Buffer } | { index: number; error: string };

const BEGIN = "-----BEGIN CERTIFICATE-----";
const END = "-----END CERTIFICATE-----";

/**
 * Split a file into certificate blocks. Unreadable content is reported, never thrown:
 * an empty file, a file with no PEM data, a block without END, or bad base64.
 */
export function splitPemCertificates(text: string): PemBlock[] {
  if (text.trim() === "") return [{ index: 0, error: "empty file" }];
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (let index = 0; ; index++) {
    const start = text.indexOf(BEGIN, pos);
    if (start < 0) break;
    const end = text.indexOf(END, start + BEGIN.length);
    if (end < 0) {
      blocks.push({ index, error: "truncated PEM: BEGIN CERTIFICATE without END" });
      break;
    }
    const body = text.slice(start + BEGIN.length, end).replace(/\s+/g, "");
    if (body === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
      blocks.push({ index, error: "corrupt PEM: the block is not valid base64" });
    } else {
      blocks.push({ index, der: Buffer.from(body, "base64") });
    }
    pos = end + END.length;
  }
  if (blocks.length === 0)
    return [{ index: 0, error: "no PEM data (tls: failed to find any PEM data in certificate input)" }];
  return blocks;
}
