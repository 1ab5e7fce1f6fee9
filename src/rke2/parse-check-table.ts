import type { CheckTableRow } from "../certs/cert-types.js";

const COLUMNS = ["FILENAME", "SUBJECT", "USAGES", "EXPIRES", "RESIDUAL TIME", "STATUS"] as const;
const STATUSES = new Set(["OK", "WARNING", "EXPIRED", "NOT YET VALID"]);

/**
 * Parse `rke2 certificate check --output table` (k3s TableFormatter: tabwriter, padding 3, empty
 * first line, header, dashes row). Column starts come from the header, so cells with spaces work.
 */
export function parseCheckTable(stdout: string): CheckTableRow[] {
  const lines = stdout.split("\n");
  const headerAt = lines.findIndex((l) => l.startsWith("FILENAME") && l.includes("RESIDUAL TIME"));
  if (headerAt < 0) throw new Error("not a certificate check table: header FILENAME … STATUS not found");
  const header = lines[headerAt] as string;
  const starts = COLUMNS.map((c) => header.indexOf(c));
  if (starts.some((s, i) => s < 0 || (i > 0 && s <= (starts[i - 1] as number))))
    throw new Error("certificate check table header has unexpected columns");
  const rows: CheckTableRow[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === "" || /^-+\s/.test(line)) continue;
    const cell = (i: number) =>
      line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    const status = cell(5);
    if (!STATUSES.has(status)) throw new Error(`unexpected STATUS "${status}" in: ${line}`);
    rows.push({
      filename: cell(0),
      subject: cell(1),
      usages: cell(2).split(",").filter(Boolean),
      expires: cell(3),
      residual: cell(4),
      status: status as CheckTableRow["status"],
    });
  }
  return rows;
}
