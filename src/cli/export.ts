import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportSigner, verifyBundle } from '../modules/regulator/index.ts';
import { createKeyring, existingMasterKey } from '../platform/master-key.ts';
import { type CliCommand, configOrExit, fail } from './command.ts';

/**
 * darwaza export key [--json] | export verify BUNDLE (--key FILE | --key-url URL): the operator's
 * published export key, and the independent check of a regulator export bundle against it
 * (docs/regulator-requests.md). `verify` never uses a key found in the bundle.
 */
const USAGE = `darwaza export key [--json]
darwaza export verify BUNDLE (--key FILE | --key-url URL)

key     prints the operator's published export key (PEM; --json: key id, algorithm, PEM and raw
        base64), derived from the server's MASTER_KEY (or DATA_DIR/master.key). The portal
        publishes the same key at /api/v1/regulator/export-key.
verify  checks a regulator export bundle (the .tar as downloaded) against the PUBLISHED key: the
        manifest's signature and key id, SHA256SUMS's signature and contents, every file's SHA-256,
        and that nothing else is in the bundle. Exit 0 when it holds, 1 naming the first file that
        fails, 2 for bad arguments.

  --key FILE     the published key as a PEM file (or the JSON getExportKey answers)
  --key-url URL  fetch the published key, e.g. https://portal.example/api/v1/regulator/export-key`;

/** A PEM from a PEM text or from getExportKey's JSON. */
function pemOf(text: string, from: string): string {
  const t = text.trim();
  if (t.startsWith('-----BEGIN PUBLIC KEY-----')) return `${t}\n`;
  try {
    const j = JSON.parse(t) as { publicKeyPem?: unknown };
    if (typeof j.publicKeyPem === 'string') return j.publicKeyPem;
  } catch {
    // not JSON: refused below
  }
  return fail(`${from} holds neither a PEM public key nor the export key's JSON`, 2);
}

async function publishedKey(values: { key?: string; 'key-url'?: string }): Promise<string> {
  if (values.key && values['key-url']) fail('give --key or --key-url, not both', 2);
  if (values.key) {
    let text: string;
    try {
      text = readFileSync(values.key, 'utf8');
    } catch (err) {
      return fail(`cannot read ${values.key}: ${(err as Error).message}`, 2);
    }
    return pemOf(text, values.key);
  }
  if (values['key-url']) {
    const res = await fetch(values['key-url']).catch((err: Error) =>
      fail(`cannot fetch ${values['key-url']}: ${err.message}`, 2),
    );
    if (!res.ok) fail(`${values['key-url']} answered ${res.status}`, 2);
    return pemOf(await res.text(), values['key-url']);
  }
  return fail(
    'the published export key is needed: --key FILE or --key-url URL (never the key in a bundle)',
    2,
  );
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Print the published export key (export key); verify a regulator bundle (export verify)',
  usage: USAGE,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'key') {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
      const master = existingMasterKey(configOrExit());
      if (!master) fail('no master key: set MASTER_KEY or DATA_DIR to the server’s', 3);
      const s = exportSigner(createKeyring(master));
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ keyId: s.keyId, algorithm: s.algorithm, publicKeyPem: s.publicKeyPem, publicKeyBase64: s.publicKeyBase64 }, null, 2)}\n`
          : s.publicKeyPem,
      );
      if (!values.json) process.stderr.write(`key id ${s.keyId}\n`);
      return 0;
    }
    if (sub !== 'verify') fail(`unknown export command "${sub ?? ''}"; run darwaza export --help`, 2);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { key: { type: 'string' }, 'key-url': { type: 'string' } },
    });
    if (positionals.length !== 1) fail('give one BUNDLE (the .tar file)', 2);
    const pem = await publishedKey(values);
    const r = await verifyBundle(positionals[0]!, pem);
    if (r.ok) {
      process.stdout.write(
        `bundle verified: request ${r.requestId}, ${r.files} files, signed with the published key ${r.keyId}\n`,
      );
      return 0;
    }
    process.stdout.write(`bundle FAILED: ${r.file}: ${r.reason}\n`);
    return 1;
  },
};
