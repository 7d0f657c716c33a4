import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import http from 'highlight.js/lib/languages/http';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import xml from 'highlight.js/lib/languages/xml';
import { Marked, Renderer, type Tokens } from 'marked';

/**
 * Markdown to HTML that is safe to put into the page: `marked` (CommonMark and GitHub tables)
 * renders, highlight.js colours fenced code in the few languages API documents use, and DOMPurify
 * keeps only the elements and attributes a document needs, links only to http(s), mailto, this
 * site's paths and anchors. Whatever a document holds (raw HTML, `javascript:` links, event
 * handlers, SVG) leaves no script behind. See docs/adr/0009-markdown-renderer.md.
 */

hljs.registerLanguage('bash', bash);
hljs.registerLanguage('shell', bash);
hljs.registerLanguage('http', http);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('json', json);
hljs.registerLanguage('xml', xml);

const plain = new Renderer();

const marked = new Marked({
  gfm: true,
  renderer: {
    /** Fenced code in a language registered above is highlighted; any other is shown as written. */
    code({ text, lang }: Tokens.Code): string {
      const language = (lang ?? '').trim().split(/\s+/)[0].toLowerCase();
      const known = language && hljs.getLanguage(language) ? language : '';
      const body = known ? hljs.highlight(text, { language: known }).value : escapeHtml(text);
      return `<pre class="md-code"><code${known ? ` class="hljs language-${known}"` : ''}>${body}</code></pre>\n`;
    },
    /** A wide table scrolls inside a frame that keyboard users can reach; header cells name their column. */
    table(token: Tokens.Table): string {
      const table = plain.table.call(this, token).replace(/<th(?=[\s>])/g, '<th scope="col"');
      return `<div class="table-wrap" tabindex="0">${table}</div>\n`;
    },
  },
});

const ALLOWED_TAGS = [
  'a',
  'blockquote',
  'br',
  'code',
  'del',
  'div',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'li',
  'ol',
  'p',
  'pre',
  'span',
  'strong',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'scope', 'tabindex', 'align', 'start'];
/** The link targets a document may have: the web, mail, this site's own paths and anchors. */
const SAFE_HREF = /^(https?:|mailto:|\/(?!\/)|#)/i;

/** Classes a document may carry: the renderer's own, so raw HTML cannot dress up as the portal's buttons or notices. */
const OWN_CLASS = /^(hljs(-[a-z_-]+)?|language-[a-z]+|md-code|table-wrap)$/;

const purify = DOMPurify();
purify.addHook('uponSanitizeAttribute', (node, data) => {
  if (data.attrName === 'class') {
    data.attrValue = data.attrValue
      .split(/\s+/)
      .filter((c) => OWN_CLASS.test(c))
      .join(' ');
    if (!data.attrValue) data.keepAttr = false;
  }
  // Only the table frame is a tab stop (it scrolls); raw HTML cannot reorder the page's tab order.
  if (data.attrName === 'tabindex' && !(node.nodeName === 'DIV' && data.attrValue === '0'))
    data.keepAttr = false;
});
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.nodeName !== 'A') return;
  const href = node.getAttribute('href');
  if (href !== null && !SAFE_HREF.test(href.trim())) node.removeAttribute('href');
  if (node.hasAttribute('href')) node.setAttribute('rel', 'noopener noreferrer');
});

function sanitize(html: string): string {
  return purify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: [...ALLOWED_ATTR, 'rel'],
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
  });
}

/** A block document; its headings move down `headingOffset` levels (a `#` under the page's own h1 becomes h2). */
export function markdownToHtml(text: string, headingOffset = 1): string {
  const tokens = marked.lexer(text);
  marked.walkTokens(tokens, (t) => {
    if (t.type === 'heading') t.depth = Math.min(6, t.depth + headingOffset);
  });
  return sanitize(marked.parser(tokens));
}

/** One line of inline markdown (emphasis, code, links) without a surrounding paragraph. */
export function inlineMarkdownToHtml(text: string): string {
  return sanitize(marked.parseInline(text, { async: false }));
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
