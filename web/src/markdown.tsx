import { useMemo } from 'react';
import { inlineMarkdownToHtml, markdownToHtml } from './markdown-html.ts';

/**
 * Terms documents, API descriptions and other text people write, rendered as markdown. The HTML
 * comes from markdown-html.ts, which sanitises it: that is the one place this app puts HTML into
 * the page, and nothing a document holds can run script there.
 * `inline` renders one line (a field's description, say) inside a span instead of blocks in a div.
 */
export function Markdown(props: {
  text: string | null | undefined;
  headingOffset?: number;
  inline?: boolean;
}) {
  const { text, headingOffset, inline } = props;
  const html = useMemo(
    () => (inline ? inlineMarkdownToHtml(text ?? '') : markdownToHtml(text ?? '', headingOffset ?? 1)),
    [text, headingOffset, inline],
  );
  return inline ? (
    // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised by DOMPurify in markdown-html.ts
    <span className="markdown-inline" dangerouslySetInnerHTML={{ __html: html }} />
  ) : (
    // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised by DOMPurify in markdown-html.ts
    <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />
  );
}
