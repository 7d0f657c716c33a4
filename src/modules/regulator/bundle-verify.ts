import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { extract as tarExtract } from 'tar-stream';
import { MANIFEST, MANIFEST_SIG, type Manifest, SUMS, SUMS_SIG, sumsText } from './bundle-format.ts';
import { keyIdOfPem, signatureValid } from './export-key.ts';

export type BundleVerification =
  | { ok: true; keyId: string; files: number; requestId: string }
  | { ok: false; file: string; reason: string };

/** The small signed entries are kept; data files are hashed as they stream past, never kept. */
const SMALL = new Set([MANIFEST, MANIFEST_SIG, SUMS, SUMS_SIG]);
const SMALL_MAX = 16 * 1024 * 1024;

/**
 * Verifies a bundle (a tar file as downloaded) against the operator's PUBLISHED export key — never
 * a key found in the bundle. In order: the manifest's signature and key id, SHA256SUMS's signature
 * and its agreement with the manifest, then every file the manifest lists, in its order, then
 * anything the manifest does not list. The answer names the first file that fails.
 */
export async function verifyBundle(tarPath: string, publishedKeyPem: string): Promise<BundleVerification> {
  const small = new Map<string, Buffer>();
  const hashes = new Map<string, string>();
  let dir: string | null = null;
  const ex = tarExtract();
  const reading = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const name = header.name.replace(/^\.\//, '');
      const slash = name.indexOf('/');
      const top = slash < 0 ? '' : name.slice(0, slash);
      const rel = slash < 0 ? name : name.slice(slash + 1);
      if (header.type !== 'file') {
        stream.resume();
        stream.on('end', next);
        return;
      }
      dir ??= top;
      const key = top === dir ? rel : name;
      const h = createHash('sha256');
      const parts: Buffer[] = [];
      let size = 0;
      stream.on('data', (data: unknown) => {
        const b = data as Buffer;
        h.update(b);
        size += b.length;
        if (SMALL.has(key) && size <= SMALL_MAX) parts.push(b);
      });
      stream.on('end', () => {
        hashes.set(key, h.digest('hex'));
        if (SMALL.has(key)) small.set(key, Buffer.concat(parts));
        next();
      });
      stream.on('error', reject);
    });
    ex.on('finish', () => resolve());
    ex.on('error', reject);
  });
  const input = createReadStream(tarPath);
  input.on('error', (err) => ex.destroy(err));
  input.pipe(ex);
  try {
    await reading;
  } catch (err) {
    return { ok: false, file: tarPath, reason: `not a readable tar archive (${(err as Error).message})` };
  }

  const manifestBytes = small.get(MANIFEST);
  if (!manifestBytes) return { ok: false, file: MANIFEST, reason: 'missing' };
  const sig = small.get(MANIFEST_SIG);
  if (!sig) return { ok: false, file: MANIFEST_SIG, reason: 'missing' };
  if (!signatureValid(publishedKeyPem, manifestBytes, sig))
    return {
      ok: false,
      file: MANIFEST,
      reason: `its signature does not verify with the published export key ${keyIdOfPem(publishedKeyPem)}`,
    };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  } catch {
    return { ok: false, file: MANIFEST, reason: 'not JSON' };
  }
  const publishedId = keyIdOfPem(publishedKeyPem);
  if (manifest.keyId !== publishedId)
    return {
      ok: false,
      file: MANIFEST,
      reason: `names key ${manifest.keyId}, the published key is ${publishedId}`,
    };

  const sums = small.get(SUMS);
  const sumsSig = small.get(SUMS_SIG);
  if (!sums) return { ok: false, file: SUMS, reason: 'missing' };
  if (!sumsSig || !signatureValid(publishedKeyPem, sums, sumsSig))
    return { ok: false, file: SUMS, reason: 'its signature does not verify with the published export key' };
  const manifestSha = createHash('sha256').update(manifestBytes).digest('hex');
  if (sums.toString('utf8') !== sumsText(manifestSha, manifest.files))
    return { ok: false, file: SUMS, reason: 'does not list exactly the manifest and its files' };

  for (const f of manifest.files) {
    const got = hashes.get(f.path);
    if (got === undefined) return { ok: false, file: f.path, reason: 'missing from the bundle' };
    if (got !== f.sha256)
      return { ok: false, file: f.path, reason: `SHA-256 ${got} does not match the manifest's ${f.sha256}` };
  }
  const listed = new Set([...SMALL, ...manifest.files.map((f) => f.path)]);
  for (const name of hashes.keys())
    if (!listed.has(name)) return { ok: false, file: name, reason: 'not listed in the manifest' };
  return { ok: true, keyId: publishedId, files: manifest.files.length, requestId: manifest.requestId };
}
