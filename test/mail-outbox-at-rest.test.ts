import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { actorOf, systemContext } from '../src/platform/request-context.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import {
  activeUser,
  type SignedIn,
  signIn,
  TEST_PASSWORD,
  testOrganization,
  tokenFromMail,
} from './identity-helpers.ts';

/**
 * Reset and invitation links are live secrets whose tokens the database keeps only as hashes; the
 * outbox seals each mail's subject and body with the master key, so a full dump of the database
 * holds no usable link. Dumped as an attacker would: SQLite's file and WAL byte for byte,
 * PostgreSQL's schema through pg_dump and every row of every table as text.
 */
for (const engine of engines()) {
  describe(`mail outbox at rest (${engine.name})`, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem({ engine });
    });
    after(() => sys.cleanup());

    /** Every row of every table, each as text (the same for both engines). */
    async function rowsAsText(): Promise<string> {
      const db = sys.database.db;
      const tables =
        sys.database.dialect === 'sqlite'
          ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db))
              .rows
          : (
              await sql<{ name: string }>`select table_name as name from information_schema.tables
                where table_schema = current_schema()`.execute(db)
            ).rows;
      assert.ok(tables.some((t) => t.name === 'mail_outbox'));
      let dump = '';
      for (const { name } of tables) {
        dump += `${name}\n${JSON.stringify((await sql`select * from ${sql.table(name)}`.execute(db)).rows)}\n`;
      }
      return dump;
    }

    /** The raw storage an attacker would copy: SQLite's files, or pg_dump of the test schema. */
    function storage(): { label: string; text: string }[] {
      const loc = sys.database.location;
      assert.ok(loc);
      if (loc.engine === 'sqlite') {
        // Fresh writes sit in the WAL until a checkpoint: the two files together are the database.
        const files = [loc.file, `${loc.file}-wal`].filter((f) => existsSync(f));
        assert.ok(files.length >= 1);
        return [
          {
            label: 'the SQLite file and its WAL',
            text: files.map((f) => readFileSync(f).toString('latin1')).join('\n'),
          },
        ];
      }
      const r = spawnSync('pg_dump', ['--no-owner', '--schema', String(loc.searchPath), loc.url], {
        encoding: 'latin1',
        maxBuffer: 256 * 1024 * 1024,
      });
      if (r.error) return []; // no pg_dump here: rowsAsText still covers every table
      assert.equal(r.status, 0, r.stderr);
      return [{ label: 'pg_dump', text: r.stdout }];
    }

    test('after a password reset and an invitation, no dump holds either token', async (t) => {
      const owner = await activeUser(sys);
      const orgId = await testOrganization(sys, owner, { confirmed: true });
      const invitee = await activeUser(sys);
      const reset = await sys.app.inject({
        method: 'POST',
        url: '/api/v1/password-resets',
        payload: { email: owner.email },
      });
      assert.equal(reset.statusCode, 202, reset.body);
      const invite = await sys.app.inject({
        method: 'POST',
        url: `/api/v1/organizations/${orgId}/invitations`,
        headers: owner.headers,
        payload: { email: invitee.email, role: 'developer' },
      });
      assert.ok(invite.statusCode < 300, invite.body);

      // The mailer opens the sealed mail: the tokens come from the decrypted text.
      const resetToken = await tokenFromMail(sys, owner.email, 'password_reset');
      const inviteToken = await tokenFromMail(sys, invitee.email, 'org_invitation');
      assert.ok(resetToken.length >= 40 && inviteToken.length >= 40);
      // So does the development mailbox.
      const box = await sys.app.inject({ url: `/api/v1/dev/mail?to=${encodeURIComponent(owner.email)}` });
      assert.equal(box.statusCode, 200);
      assert.ok(box.body.includes(resetToken));

      const dumps = [{ label: 'rows', text: await rowsAsText() }, ...storage()];
      if (engine.name === 'sqlite') assert.ok(dumps.length >= 2, 'the SQLite file was read');
      else if (dumps.length < 2) t.diagnostic('pg_dump is not installed: only the row dump was searched');
      for (const d of dumps) {
        // The dump is real: it holds the plain data around the tokens.
        assert.ok(d.text.includes(owner.email), `${d.label} holds the users' addresses`);
        assert.ok(d.text.includes('mail_outbox'), d.label);
        for (const [name, token] of [
          ['reset', resetToken],
          ['invitation', inviteToken],
        ]) {
          assert.equal(d.text.indexOf(token), -1, `the ${name} token is in ${d.label}`);
        }
      }

      // The tokens found in the mail are the live ones: both still work.
      const done = await sys.app.inject({
        method: 'POST',
        url: '/api/v1/password-resets/complete',
        payload: { token: resetToken, password: 'an-entirely-new-passphrase-5' },
      });
      assert.equal(done.statusCode, 204, done.body);
      const member: SignedIn = await signIn(sys, invitee.email, TEST_PASSWORD);
      await sys.services.organizations.acceptInvitation(member.principal, inviteToken, {
        ...systemContext(),
        actor: actorOf(member.principal),
      });
      assert.equal(await sys.services.orgAccess.requireMember(member.principal, orgId), 'developer');
    });
  });
}
