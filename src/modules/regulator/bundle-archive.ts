import { pack as tarPack } from 'tar-stream';
import type { Keyring } from '../../platform/master-key.ts';
import { CHUNK_PURPOSE } from './bundle-builder.ts';
import { bundleDir, MANIFEST, MANIFEST_SIG, SUMS, SUMS_SIG } from './bundle-format.ts';
import type { RegulatorStore, RequestRow } from './regulator-store.ts';

type TarPack = ReturnType<typeof tarPack>;

/** Chunks read per query while streaming a file: a few MB of ciphertext at most in memory. */
const CHUNKS_PER_QUERY = 8;

function addSmall(p: TarPack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    p.entry({ name, size: data.length, mode: 0o644 }, data, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * The request's bundle as one tar stream, decrypted chunk by chunk as the client reads (the whole
 * bundle is never in memory). Each entry's size comes from the stored file record, so the header is
 * written before the data. A chunk that no longer decrypts (another master key, a damaged row)
 * destroys the stream: the client gets a truncated archive, never a silently wrong one.
 */
export function bundleArchive(store: RegulatorStore, keyring: Keyring, req: RequestRow): TarPack {
  const p = tarPack();
  const dir = bundleDir(req.id);
  const run = async () => {
    await addSmall(p, `${dir}/${MANIFEST}`, Buffer.from(req.manifest!, 'utf8'));
    await addSmall(p, `${dir}/${MANIFEST_SIG}`, Buffer.from(req.manifest_sig!, 'base64'));
    await addSmall(p, `${dir}/${SUMS}`, Buffer.from(req.sums!, 'utf8'));
    await addSmall(p, `${dir}/${SUMS_SIG}`, Buffer.from(req.sums_sig!, 'base64'));
    for (const f of await store.files(req.id)) {
      const entry = p.entry({ name: `${dir}/${f.path}`, size: Number(f.size), mode: 0o644 });
      const done = new Promise<void>((resolve, reject) => {
        entry.on('finish', () => resolve());
        entry.on('error', reject);
      });
      let seq = 0;
      for (;;) {
        const chunks = await store.chunks(req.id, f.path, seq, CHUNKS_PER_QUERY);
        if (!chunks.length) break;
        for (const c of chunks) {
          const ok = entry.write(Buffer.from(keyring.decrypt(c.data_enc, CHUNK_PURPOSE), 'utf8'));
          if (!ok) await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
          seq = c.seq;
        }
      }
      entry.end(() => undefined);
      await done;
    }
    p.finalize();
  };
  run().catch((err: Error) => p.destroy(err));
  return p;
}
