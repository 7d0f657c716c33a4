import { createHash, type Hash } from 'node:crypto';
import { writeCsv } from '../../platform/csv.ts';
import type { Keyring } from '../../platform/master-key.ts';
import { BUNDLE_FORMAT, type Manifest, type ManifestFile, manifestText, sumsText } from './bundle-format.ts';
import { classParts, type DataClass } from './data-classes.ts';
import type { ExportSigner } from './export-key.ts';
import type { Cursor, ExportReader, RegulatorStore, RequestRow, ResolvedScope } from './regulator-store.ts';

/** Rows read per query, and the most text one stored chunk holds before it is encrypted and written. */
const PAGE_ROWS = 1000;
const CHUNK_BYTES = 256 * 1024;
/** What the bundle's chunks are encrypted for (Keyring.encrypt: AES-256-GCM, key from MASTER_KEY). */
export const CHUNK_PURPOSE = 'regulator-export-chunk/v1';

/**
 * One data file being written: text is buffered up to CHUNK_BYTES, then encrypted and stored as the
 * next chunk; the SHA-256 and the size run over the bytes as they go. Memory stays one page of rows
 * plus one chunk, whatever the file's size.
 */
class FileWriter {
  readonly #hash: Hash = createHash('sha256');
  #buffer = '';
  #seq = 0;
  readonly #sink: (path: string, seq: number, text: string) => Promise<void>;
  readonly path: string;
  size = 0;
  rows = 0;
  constructor(path: string, sink: (path: string, seq: number, text: string) => Promise<void>) {
    this.path = path;
    this.#sink = sink;
  }

  async write(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text, 'utf8');
    this.#hash.update(text, 'utf8');
    this.size += bytes;
    this.#buffer += text;
    if (Buffer.byteLength(this.#buffer, 'utf8') >= CHUNK_BYTES) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#buffer === '') return;
    this.#seq += 1;
    await this.#sink(this.path, this.#seq, this.#buffer);
    this.#buffer = '';
  }

  async close(): Promise<ManifestFile> {
    await this.#flush();
    return { path: this.path, sha256: this.#hash.digest('hex'), size: this.size, rows: this.rows };
  }
}

const cell = (v: unknown) =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

export type BuildDeps = {
  store: RegulatorStore;
  reader: ExportReader;
  keyring: Keyring;
  signer: ExportSigner;
  nowIso: () => string;
};

/**
 * Builds a request's bundle: every class's parts paged by keyset (PAGE_ROWS a query) into its JSON
 * Lines file and its parts' CSV files, progress written to the request after every page; then the
 * manifest, SHA256SUMS and their signatures. Returns the manifest.
 */
export async function buildBundle(d: BuildDeps, req: RequestRow, scope: ResolvedScope): Promise<Manifest> {
  await d.store.clearExport(req.id);
  const sink = (path: string, seq: number, text: string) =>
    d.store.insertChunk({ request_id: req.id, path, seq, data_enc: d.keyring.encrypt(text, CHUNK_PURPOSE) });
  const classes = JSON.parse(req.data_classes) as DataClass[];
  const files: ManifestFile[] = [];
  let total = 0;
  for (const cls of classes) {
    const jsonl = new FileWriter(`files/${cls}.jsonl`, sink);
    const csvFiles: ManifestFile[] = [];
    for (const { part, page } of classParts[cls]) {
      const csv = new FileWriter(`files/${cls}.${part}.csv`, sink);
      let header: string[] | null = null;
      let after: Cursor | null = null;
      do {
        const p = await page(d.reader, scope, after, PAGE_ROWS);
        if (p.rows.length) {
          if (!header) {
            header = Object.keys(p.rows[0]!);
            await csv.write(writeCsv([header]));
          }
          const cols = header;
          await jsonl.write(p.rows.map((r) => `${JSON.stringify({ record: part, ...r })}\n`).join(''));
          // writeCsv starts every call with a BOM: only the file's first line keeps it.
          await csv.write(writeCsv(p.rows.map((r) => cols.map((c) => cell(r[c])))).slice(1));
          jsonl.rows += p.rows.length;
          csv.rows += p.rows.length;
          total += p.rows.length;
          await d.store.updateRequest(req.id, { export_rows: total, export_progress: `${cls}: ${part}` });
        }
        after = p.next;
      } while (after);
      csvFiles.push(await csv.close());
    }
    files.push(await jsonl.close(), ...csvFiles);
  }
  for (const f of files)
    await d.store.insertFile({
      request_id: req.id,
      path: f.path,
      size: f.size,
      sha256: f.sha256,
      rows: f.rows,
    });
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    requestId: req.id,
    authority: req.authority,
    reference: req.reference,
    legalBasis: req.legal_basis,
    scope: {
      ...(JSON.parse(req.scope) as { orgIds: string[]; userIds: string[]; appIds: string[] }),
      resolvedOrgIds: scope.orgIds,
    },
    dateRange: { from: req.range_from, to: req.range_to },
    dataClasses: classes,
    generatedAt: d.nowIso(),
    keyId: d.signer.keyId,
    algorithm: 'Ed25519',
    files,
  };
  const mText = manifestText(manifest);
  const sText = sumsText(createHash('sha256').update(mText, 'utf8').digest('hex'), files);
  await d.store.updateRequest(req.id, {
    export_state: 'ready',
    export_rows: total,
    export_progress: null,
    manifest: mText,
    manifest_sig: d.signer.sign(Buffer.from(mText, 'utf8')).toString('base64'),
    sums: sText,
    sums_sig: d.signer.sign(Buffer.from(sText, 'utf8')).toString('base64'),
    key_id: d.signer.keyId,
  });
  return manifest;
}
