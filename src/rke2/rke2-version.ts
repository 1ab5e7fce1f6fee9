import semver from "semver";

/** An RKE2 release such as v1.34.2+rke2r1. semver ignores build metadata, so the rN is kept apart. */
export interface Rke2Version {
  raw: string;
  major: number;
  minor: number;
  patch: number;
  /** The rke2rN release number; 0 for dev builds. */
  release: number;
  prerelease: boolean;
}

const VERSION_RE = /^v(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?\+rke2r(\d+)$/;

export function parseRke2Version(raw: string): Rke2Version | undefined {
  const m = VERSION_RE.exec(raw.trim());
  if (!m || !semver.valid(raw.trim())) return undefined;
  return {
    raw: raw.trim(),
    major: +m[1]!,
    minor: +m[2]!,
    patch: +m[3]!,
    release: +m[5]!,
    prerelease: m[4] !== undefined,
  };
}

/** Order by semver (which handles pre-releases), then by the rke2rN release number. */
export function compareRke2(a: Rke2Version, b: Rke2Version): number {
  return semver.compare(a.raw, b.raw) || a.release - b.release;
}

export const minorOf = (v: Rke2Version) => `v${v.major}.${v.minor}`;

/** `rke2 --version` first line: "rke2 version v1.28.8+rke2r1 (42cab2f…)". */
export function parseRke2VersionOutput(stdout: string): Rke2Version | undefined {
  const m = /^rke2 version (\S+)/m.exec(stdout);
  return m ? parseRke2Version(m[1]!) : undefined;
}
