/** One embedded certificate field of a kubeconfig entry, by position in its list. */
export interface KubeconfigCertField {
  kind: "cluster" | "user";
  /** Position of the entry in `clusters:` / `users:`. */
  index: number;
  /** The entry's `name:` ("" when absent). */
  name: string;
  key: "certificate-authority-data" | "client-certificate-data";
  /** The base64 value. */
  data: string;
}

const KEY = { cluster: "certificate-authority-data", user: "client-certificate-data" } as const;
const SECTION = /^(clusters|users):(.*)$/;
const KEY_LINE = /^([A-Za-z0-9_-]+):(?: (.*))?$/;
/** A plain scalar with nothing YAML would read differently (quotes, anchors, tags, comments, flow). */
const PLAIN = /^[A-Za-z0-9+/=._@:-][^\s#]*$/;

/**
 * The certificate fields of a kubeconfig in the block layout kubectl and RKE2 write (and that the
 * node-side filter of read-cert-files.ts prints), read line by line: a YAML parse per kubeconfig was
 * 9% of a scan's CPU. Returns undefined for anything outside that layout (flow style, quoting,
 * anchors, tabs, several documents, duplicate keys), which the caller then parses as YAML.
 * Fields are ordered like the YAML reading: clusters first, then users, each by position.
 */
export function readKubeconfigCertLines(content: string): KubeconfigCertField[] | undefined {
  const found: Record<"cluster" | "user", KubeconfigCertField[]> = { cluster: [], user: [] };
  const seen = new Set<string>();
  let sec: "cluster" | "user" | undefined;
  let itemIndent = -1;
  let index = -1;
  let entry: Entry | undefined;
  const flush = () => {
    if (sec && entry?.data !== undefined)
      found[sec].push({ kind: sec, index, name: entry.name ?? "", key: KEY[sec], data: entry.data });
    entry = undefined;
  };
  for (const raw of content.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.includes("\t")) return undefined;
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const indent = line.length - trimmed.length;
    if (indent === 0 && (trimmed.startsWith("---") || trimmed.startsWith("..."))) return undefined; // documents
    if (indent === 0 && !trimmed.startsWith("-")) {
      // A top-level key: a section we read, or another one we skip.
      const m = KEY_LINE.exec(trimmed);
      if (!m || seen.has(m[1]!)) return undefined; // "---", flow/complex keys, duplicate keys
      seen.add(m[1]!);
      flush();
      const s = SECTION.exec(trimmed);
      if (s && s[2]!.trim() !== "") return undefined; // flow style or an alias
      sec = s ? (s[1] === "users" ? "user" : "cluster") : undefined;
      itemIndent = index = -1;
      continue;
    }
    if (!sec) continue;
    let rest = trimmed;
    let at = indent;
    if ((rest === "-" || rest.startsWith("- ")) && (itemIndent < 0 || indent === itemIndent)) {
      itemIndent = indent;
      flush();
      index++;
      entry = { keys: new Set() };
      rest = rest.slice(2).trimStart();
      at = indent + 2;
      if (rest === "") continue;
    }
    if (!entry || at <= itemIndent) return undefined;
    if (at === itemIndent + 2) {
      // A key of the entry: name, or the cluster:/user: block whose keys we read.
      const m = KEY_LINE.exec(rest);
      if (!m || entry.keys.has(m[1]!)) return undefined;
      entry.keys.add(m[1]!);
      const [, key, value = ""] = m;
      entry.blockIndent = undefined;
      entry.inBlock = key === sec;
      if (key === "name") {
        if (!PLAIN.test(value)) return undefined;
        entry.name = value;
      } else if (key === sec && value.trim() !== "") return undefined;
      continue;
    }
    if (!entry.inBlock) continue; // deeper lines of other keys
    entry.blockIndent ??= at;
    if (at !== entry.blockIndent) continue; // deeper lines of the block's other keys
    const m = KEY_LINE.exec(rest);
    if (!m) return undefined;
    if (m[1] === KEY[sec]) {
      if (entry.data !== undefined || !PLAIN.test(m[2] ?? "")) return undefined;
      entry.data = m[2]!;
    }
  }
  flush();
  return [...found.cluster, ...found.user];
}

interface Entry {
  name?: string;
  data?: string;
  keys: Set<string>;
  inBlock?: boolean;
  blockIndent?: number;
}
