import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DirectoryCache } from './directory-cache.ts';
import { entitle } from './entitle.ts';
import type { GatewayError } from './gateway-errors.ts';
import { allowAllTerms, FakeDirectory } from './testing.ts';

const NOW = Date.UTC(2026, 10, 23, 9);

describe('entitle', () => {
  const dir = new FakeDirectory();
  const a = dir.addApp({ appId: 'app_a', clientId: 'ca', orgId: 'org_a' });
  const s = dir.addApp({ appId: 'app_s', clientId: 'cs', orgId: 'org_s', status: 'suspended' });
  const p = dir.addApp({ appId: 'app_p', clientId: 'cp', orgId: 'org_p', environment: 'production' });
  dir.entitlements.set('app_a|bills', { ...dir.entitlements.get('app_a|ibft')!, status: 'pending' });
  const cache = new DirectoryCache(dir);
  const code = (e: unknown) => (e as GatewayError).code;

  it('passes an active app with an active subscription and accepted terms', async () => {
    const ent = await entitle(cache, allowAllTerms, a, 'ibft', 'sandbox', NOW);
    assert.equal(ent.subscriptionId, 'sub_app_a');
  });
  it('refuses a suspended app, no production grant, no or inactive subscription, terms not accepted', async () => {
    await assert.rejects(
      entitle(cache, allowAllTerms, s, 'ibft', 'sandbox', NOW),
      (e) => code(e) === 'gateway_app_suspended',
    );
    // The catalog of the client id is authenticate's check now (credential_wrong_catalog); here,
    // production needs production access to the product (issue 35).
    assert.equal(
      (await entitle(cache, allowAllTerms, p, 'ibft', 'production', NOW)).subscriptionId,
      'sub_app_p',
    );
    await assert.rejects(
      entitle(cache, allowAllTerms, { ...a, environment: 'production' }, 'ibft', 'production', NOW),
      (e) => code(e) === 'gateway_production_not_granted',
    );
    await assert.rejects(
      entitle(cache, allowAllTerms, a, 'qr', 'sandbox', NOW),
      (e) => code(e) === 'gateway_not_subscribed',
    );
    await assert.rejects(
      entitle(cache, allowAllTerms, a, 'bills', 'sandbox', NOW),
      (e) => code(e) === 'gateway_not_subscribed',
    );
    let asked: unknown[] = [];
    const terms = {
      onApiCall: async (...args: unknown[]) => {
        asked = args;
        return { allowed: false as const, code: 'terms_pending', message: 'Accept the new terms.' };
      },
    };
    await assert.rejects(
      entitle(cache, terms, a, 'ibft', 'sandbox', NOW),
      (e) => code(e) === 'gateway_terms_not_accepted',
    );
    assert.deepEqual(asked, ['org_a', NOW, 'ibft'], 'the product is passed for its additional terms');
  });
});
