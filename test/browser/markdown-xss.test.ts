import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FakeClock } from '../../src/platform/clock.ts';
import { seedDemo } from '../../src/seed.ts';
import { call } from '../apps-helpers.ts';
import { startTestSystem, type TestSystem } from '../harness.ts';
import {
  activeUser,
  operatorUser,
  type SignedIn,
  TEST_PASSWORD,
  testOrganization,
} from '../identity-helpers.ts';
import { freePort } from '../process-helpers.ts';
import { chromiumMissing, ensureWebBuild, launchChromium } from './browser-helpers.ts';

/**
 * Markdown is the one place the portal puts HTML into its pages (web/src/markdown-html.ts). This
 * suite sends a corpus of script payloads through every kind of text that is rendered as markdown,
 * each the way it really arrives: a terms document an operator publishes through the API, a
 * product's description and an OpenAPI document's descriptions (info, operation, parameter, field,
 * response), and an app description a developer writes. Each page is opened in Chromium and every
 * element of the rendered markdown is clicked; a payload that ran would set `window.__xss`.
 *
 * The portal's Content-Security-Policy (script-src 'self') would stop most of these payloads on its
 * own, which would hide a sanitiser that lets them through: the browser context bypasses CSP, and a
 * control payload put into the page unsanitised proves that an event handler does run there.
 */
const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(missing);

const STEP_MS = 20_000;

/** Block payloads: raw HTML, markdown links and images, SVG, MathML, frames, forms, encodings. */
const CORPUS = [
  '<script>window.__xss = "script"</script>',
  '<script src="data:text/javascript,window.__xss=%22script-src%22"></script>',
  '<img src=x onerror="window.__xss = \'img-onerror\'">',
  '<img src="x" onload="window.__xss = \'img-onload\'" />',
  '<a href="javascript:window.__xss=\'html-js-link\'">an HTML javascript: link</a>',
  '<a href="JaVaScRiPt:window.__xss=\'mixed-case\'">a mixed-case javascript: link</a>',
  '<a href=" jav&#x09;ascript:window.__xss=\'tab\'">a javascript: link with an encoded tab</a>',
  '<a href="data:text/html,<script>window.opener.__xss=\'data-link\'</script>">an HTML data: link</a>',
  "[a markdown javascript: link](javascript:window.__xss='md-js-link')",
  "[a markdown javascript: link, entity-encoded](javascript&#58;window.__xss='md-js-entity')",
  '[a markdown data: link](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)',
  '[a markdown vbscript: link](vbscript:msgbox(1))',
  "[a reference-style javascript: link][evil]\n\n[evil]: javascript:window.__xss='md-ref-link'",
  "<javascript:window.__xss='autolink'>",
  '![an image](x" onerror="window.__xss=\'md-img\')',
  "![an image with a javascript: source](javascript:window.__xss='md-img-js')",
  '<p onclick="window.__xss = \'onclick\'">a paragraph with onclick</p>',
  '<p class="btn btn-primary notice" tabindex="1">a paragraph dressed as a button</p>',
  '<div onmouseover="window.__xss = \'onmouseover\'" style="position:fixed;inset:0">a cover</div>',
  '<details open ontoggle="window.__xss = \'ontoggle\'"><summary>s</summary>x</details>',
  '<input autofocus onfocus="window.__xss = \'onfocus\'">',
  '<svg><script>window.__xss = "svg-script"</script></svg>',
  '<svg onload="window.__xss = \'svg-onload\'"><circle r="4"/></svg>',
  '<svg><a href="javascript:window.__xss=\'svg-link\'"><text y="20">svg link</text></a></svg>',
  '<iframe src="javascript:window.parent.__xss=\'iframe-js\'"></iframe>',
  '<iframe srcdoc="<script>parent.__xss=\'iframe-srcdoc\'</script>"></iframe>',
  '<object data="javascript:window.__xss=\'object\'"></object>',
  '<embed src="javascript:window.__xss=\'embed\'">',
  '<form action="javascript:window.__xss=\'form\'"><button>send</button></form>',
  '<video><source onerror="window.__xss = \'source-onerror\'"></video>',
  '<style>body { background: url("javascript:window.__xss=1") }</style>',
  '<base href="javascript:/">',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=\'meta\'">',
  '```html\n<script>window.__xss = "in-a-code-block"</script>\n```',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss = \'mxss\'">',
].join('\n\n');

/** Inline payloads, for descriptions shown in one line (a field's, an app's). */
const INLINE =
  'Inline <img src=x onerror="window.__xss=\'inline-img\'"> <b onclick="window.__xss=\'inline-onclick\'">b</b> ' +
  "[a link](javascript:window.__xss='inline-md-js') <script>window.__xss='inline-script'</script> " +
  '<svg onload="window.__xss=\'inline-svg\'"></svg> **kept** and [kept link](https://example.com/inline)';

/** What a safe document keeps: a heading, a list, a link, code. */
const SAFE =
  '# Heading kept\n\n- a list item kept\n\nA [kept link](https://example.com/kept) and `code kept`.';

describe('markdown payloads render inert in Chromium', { skip: missing ?? false, timeout: 300_000 }, () => {
  let sys: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let op: SignedIn;
  const slug = `xss-${Date.now().toString(36)}`;
  let versionId = '';
  let app: { orgId: string; appId: string; email: string } | undefined;

  before(async () => {
    await ensureWebBuild();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    sys = await startTestSystem({ clock: new FakeClock(Date.now()), env: { PUBLIC_URL: base } });
    await seedDemo(sys, { onlyIfEmpty: true, demo: false });
    await sys.app.listen({ port, host: '127.0.0.1' });
    op = await operatorUser(sys);
    browser = await launchChromium();
    context = await browser.newContext({
      baseURL: base,
      bypassCSP: true,
      viewport: { width: 1280, height: 900 },
    });
    context.setDefaultTimeout(STEP_MS);
  });

  after(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await sys?.cleanup();
  });

  /**
   * Opens `url`, proves handlers would run there (the control), clicks every element of the
   * rendered markdown but the safe links, and checks that no payload left anything live behind.
   */
  async function assertInert(page: Page, url: string, expectKept: string[]): Promise<void> {
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(url);
    await page.locator('.markdown, .markdown-inline').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('main .state-loading'), undefined, {
      timeout: 10_000,
    });
    for (const text of expectKept) {
      assert.ok(
        await page
          .locator('.markdown, .markdown-inline')
          .getByText(text, { exact: false })
          .first()
          .isVisible(),
        `${url}: "${text}" is not shown`,
      );
    }
    const found = await page.evaluate(() => {
      const roots = [...document.querySelectorAll('.markdown, .markdown-inline')];
      const all = roots.flatMap((r) => [...r.querySelectorAll('*')]);
      const live = all.filter((e) =>
        /^(script|iframe|object|embed|svg|math|form|input|style|base|meta|img|video|source|details)$/i.test(
          e.tagName,
        ),
      );
      const handlers = all.filter((e) =>
        [...e.attributes].some((a) => /^on/i.test(a.name) || a.name === 'style'),
      );
      const links = all
        .filter((e) => e.hasAttribute('href'))
        .map((e) => e.getAttribute('href') ?? '')
        .filter((h) => !/^(https?:|mailto:|\/(?!\/)|#)/i.test(h));
      const borrowed = all.filter(
        (e) =>
          [...e.classList].some((c) => !/^(hljs(-[a-z_-]+)?|language-[a-z]+|md-code|table-wrap)$/.test(c)) ||
          (e.hasAttribute('tabindex') && !e.classList.contains('table-wrap')),
      );
      return {
        roots: roots.length,
        borrowed: borrowed.map((e) => e.outerHTML.slice(0, 80)),
        live: live.map((e) => e.tagName.toLowerCase()),
        handlers: handlers.map((e) => e.outerHTML.slice(0, 80)),
        links,
        keptLinks: all.filter((e) => e.tagName === 'A' && /^https:/.test(e.getAttribute('href') ?? ''))
          .length,
      };
    });
    assert.ok(found.roots > 0, `${url}: no rendered markdown`);
    assert.deepEqual(found.live, [], `${url}: elements that can run or load something survived`);
    assert.deepEqual(found.handlers, [], `${url}: event-handler or style attributes survived`);
    assert.deepEqual(found.links, [], `${url}: links to other schemes survived`);
    assert.deepEqual(found.borrowed, [], `${url}: the portal's classes or a tab stop were borrowed`);
    assert.ok(found.keptLinks > 0, `${url}: the safe links were dropped`);
    // Click everything but the links that leave the page (those are safe web links, checked above).
    await page.evaluate(() => {
      for (const r of document.querySelectorAll('.markdown, .markdown-inline')) {
        for (const e of r.querySelectorAll<HTMLElement>('*')) {
          if (e.tagName === 'A' && e.getAttribute('href')) continue;
          e.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
          e.click();
          e.focus();
        }
      }
    });
    await page.waitForTimeout(300);
    assert.equal(
      await page.evaluate(() => (window as { __xss?: unknown }).__xss),
      undefined,
      `${url}: a payload ran`,
    );
    assert.deepEqual(dialogs, [], `${url}: a payload opened a dialog`);
    // The control: an event handler put into this page without the renderer does run.
    await page.evaluate(() => {
      const d = document.createElement('div');
      d.innerHTML = '<img src="x-control" onerror="window.__control = 1">';
      document.body.append(d);
    });
    await page.waitForFunction(() => (window as { __control?: number }).__control === 1, undefined, {
      timeout: 5000,
    });
  }

  it('an operator publishes payloads in a terms document, a product description and an API document', async () => {
    const docs = (await call(sys, null, 'GET', '/api/v1/terms/documents')).body.items;
    const general = docs.find((d: { slug: string }) => d.slug === 'general-terms');
    assert.ok(general, 'the seeded general terms');
    const draft = await call(sys, op, 'POST', `/api/v1/admin/terms/documents/${general.id}/drafts`, {
      bodyMd: `# General terms\n\nThis version carries a script tag.\n\n${SAFE}\n\n${CORPUS}`,
      summary: 'A version with payloads.',
      changeClass: 'legal',
    });
    assert.equal(draft.status, 201, draft.raw);
    versionId = draft.body.id;
    const effectiveAt = new Date(sys.clock.nowMs() + 10 * 60_000).toISOString();
    const published = await call(sys, op, 'POST', `/api/v1/admin/terms/drafts/${versionId}/publish`, {
      effectiveAt,
    });
    assert.equal(published.status, 200, published.raw);
    sys.clock.set(Date.parse(effectiveAt) + 1000);

    const field = { type: 'string', description: INLINE };
    const openapi = {
      openapi: '3.1.0',
      info: { title: 'Payload API', version: '1.0.0', description: `${SAFE}\n\n${CORPUS}` },
      servers: [{ url: '/darwaza/sandbox' }],
      paths: {
        '/payload': {
          post: {
            operationId: 'payload',
            summary: 'Payload operation',
            description: `${SAFE}\n\n${CORPUS}`,
            parameters: [{ name: 'q', in: 'query', description: INLINE, schema: { type: 'string' } }],
            requestBody: {
              content: { 'application/json': { schema: { type: 'object', properties: { Field: field } } } },
            },
            responses: {
              '200': {
                description: INLINE,
                content: { 'application/json': { schema: { type: 'object', properties: { Out: field } } } },
              },
            },
          },
        },
      },
    };
    const product = await call(sys, op, 'POST', '/api/v1/admin/products', {
      slug,
      name: 'Payload product',
      description: `${SAFE}\n\n${CORPUS}`.slice(0, 4000),
      apis: [{ name: 'Payload API', version: '1.0.0', openapi }],
    });
    assert.equal(product.status, 200, product.raw);
    const plan = await call(sys, op, 'POST', `/api/v1/admin/products/${slug}/plans`, { name: 'Open plan' });
    assert.equal(plan.status, 201, plan.raw);
    const pub = await call(sys, op, 'POST', `/api/v1/admin/products/${slug}/publish`);
    assert.equal(pub.status, 200, pub.raw);
  });

  it('a developer writes payloads in an app description', async () => {
    const dev = await activeUser(sys);
    const orgId = await testOrganization(sys, dev, { confirmed: true });
    const r = await call(sys, dev, 'POST', `/api/v1/orgs/${orgId}/apps`, {
      name: 'Payload app',
      description: INLINE,
    });
    assert.equal(r.status, 201, r.raw);
    app = { orgId, appId: r.body.app.id, email: dev.email };
  });

  it('the terms page and the terms version page render the document inert', async () => {
    const page = await context.newPage();
    await assertInert(page, '/terms', ['This version carries a script tag', 'a list item kept', 'code kept']);
    assert.ok(await page.getByRole('heading', { name: 'Heading kept' }).first().isVisible());
    // A fenced block is highlighted, and the script in it is shown as text.
    const block = page.locator('.markdown pre.md-code code.hljs.language-html').first();
    assert.match((await block.textContent()) ?? '', /<script>window.__xss = "in-a-code-block"<\/script>/);
    assert.ok((await block.locator('.hljs-tag').count()) > 0, 'the code block is not highlighted');
    await assertInert(page, `/terms/versions/${versionId}`, ['This version carries a script tag']);
    await page.close();
  });

  it('the product page and its API reference render the descriptions inert', async () => {
    const page = await context.newPage();
    await assertInert(page, `/catalog/${slug}`, ['a list item kept', 'code kept']);
    await assertInert(page, `/catalog/${slug}/reference`, ['a list item kept', 'kept']);
    await page.close();
  });

  it("the app's page renders its description inert", async () => {
    assert.ok(app, 'the app of the previous step');
    const page = await context.newPage();
    await page.goto('/');
    const status = await page.evaluate(
      async (body) =>
        (
          await fetch('/api/v1/sessions', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).status,
      { email: app.email, password: TEST_PASSWORD },
    );
    assert.equal(status, 201);
    await assertInert(page, `/orgs/${app.orgId}/apps/${app.appId}`, ['kept']);
    await assertInert(page, `/orgs/${app.orgId}/apps`, ['kept']);
    await page.close();
  });
});
