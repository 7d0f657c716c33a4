import type { DataClass } from './data-classes.ts';

/**
 * The export bundle's format (ADR 0016, docs/regulator-requests.md): a tar archive with one
 * top-level directory named for the request, holding
 *   manifest.json       the request, its scope, generated-at, the key id and every file's SHA-256
 *   manifest.json.sig   the raw 64-byte Ed25519 signature over manifest.json's exact bytes
 *   SHA256SUMS          `sha256sum` lines for manifest.json and every data file
 *   SHA256SUMS.sig      the raw Ed25519 signature over SHA256SUMS (so `sha256sum -c` is trusted too)
 *   files/…             the data files (JSON Lines and CSV)
 * Paths inside the directory are relative, so `sha256sum -c SHA256SUMS` runs in it as extracted.
 */
export const BUNDLE_FORMAT = 'darwaza-regulator-export/v1';
export const MANIFEST = 'manifest.json';
export const MANIFEST_SIG = 'manifest.json.sig';
export const SUMS = 'SHA256SUMS';
export const SUMS_SIG = 'SHA256SUMS.sig';

export type ManifestFile = { path: string; sha256: string; size: number; rows: number };

export type Manifest = {
  format: typeof BUNDLE_FORMAT;
  requestId: string;
  authority: string;
  reference: string;
  legalBasis: string;
  scope: { orgIds: string[]; userIds: string[]; appIds: string[]; resolvedOrgIds: string[] };
  dateRange: { from: string; to: string };
  dataClasses: DataClass[];
  generatedAt: string;
  keyId: string;
  algorithm: 'Ed25519';
  files: ManifestFile[];
};

/** The manifest's bytes as signed: JSON, two-space indented, one trailing newline. */
export function manifestText(m: Manifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** `sha256sum` lines (hash, two spaces, path) for the manifest and every data file. */
export function sumsText(manifestSha256: string, files: readonly ManifestFile[]): string {
  return [`${manifestSha256}  ${MANIFEST}`, ...files.map((f) => `${f.sha256}  ${f.path}`)].join('\n') + '\n';
}

/** The directory every entry of a request's bundle lives in. */
export function bundleDir(requestId: string): string {
  return `regulator-export-${requestId}`;
}
