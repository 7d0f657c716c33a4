import { Table } from '../../components.tsx';
import { Markdown } from '../../markdown.tsx';

/** The product OpenAPI document as the reference reads it: schemas, examples and the gateway URL. */

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  description?: string;
  example?: unknown;
  examples?: unknown[];
  default?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
};

type Parameter = {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
  example?: unknown;
};

type MediaType = {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value?: unknown; summary?: string }>;
};

export type OperationDoc = {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, MediaType> };
  responses?: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  security?: Array<Record<string, string[]>>;
  tags?: string[];
};

export type OpenApi = {
  info?: { title?: string; version?: string; description?: string };
  servers?: Array<{ url: string; description?: string }>;
  paths?: Record<string, Record<string, OperationDoc>>;
  components?: {
    schemas?: Record<string, Schema>;
    securitySchemes?: Record<
      string,
      {
        type: string;
        name?: string;
        in?: string;
        flows?: { clientCredentials?: { tokenUrl?: string; scopes?: Record<string, string> } };
      }
    >;
  };
};

export const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function resolve(doc: OpenApi, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 20) return s;
  if (s.$ref?.startsWith('#/components/schemas/')) {
    return resolve(doc, doc.components?.schemas?.[s.$ref.slice('#/components/schemas/'.length)], depth + 1);
  }
  if (s.allOf) {
    const merged: Schema = { type: 'object', properties: {}, required: [] };
    for (const part of s.allOf) {
      const r = resolve(doc, part, depth + 1);
      Object.assign(merged.properties!, r?.properties ?? {});
      merged.required!.push(...(r?.required ?? []));
    }
    return merged;
  }
  return s;
}

/** An example value from the document: explicit examples first, then one built from the schema. */
function exampleOf(doc: OpenApi, s: Schema | undefined, depth = 0): unknown {
  const r = resolve(doc, s);
  if (!r || depth > 8) return null;
  if (r.example !== undefined) return r.example;
  if (r.examples?.length) return r.examples[0];
  if (r.default !== undefined) return r.default;
  if (r.enum?.length) return r.enum[0];
  const t = Array.isArray(r.type) ? r.type.find((x) => x !== 'null') : r.type;
  if (t === 'object' || r.properties) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.properties ?? {})) o[k] = exampleOf(doc, v, depth + 1);
    return o;
  }
  if (t === 'array') return [exampleOf(doc, r.items, depth + 1)];
  if (t === 'integer' || t === 'number') return 0;
  if (t === 'boolean') return false;
  if (r.oneOf?.[0] || r.anyOf?.[0]) return exampleOf(doc, (r.oneOf ?? r.anyOf)![0], depth + 1);
  return r.maxLength && r.minLength === r.maxLength ? '0'.repeat(r.maxLength) : '';
}

export function requestExample(doc: OpenApi, op: OperationDoc): unknown {
  const media = op.requestBody?.content?.['application/json'];
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  const first = media.examples ? Object.values(media.examples)[0]?.value : undefined;
  if (first !== undefined) return first;
  return exampleOf(doc, media.schema);
}

export function typeLabel(doc: OpenApi, s: Schema | undefined): string {
  const r = resolve(doc, s);
  if (!r) return 'any';
  const t = Array.isArray(r.type) ? r.type.join(' | ') : (r.type ?? (r.properties ? 'object' : 'any'));
  const extra = [
    r.format,
    r.pattern ? `pattern ${r.pattern}` : null,
    r.maxLength !== undefined ? `max ${r.maxLength}` : null,
    r.enum ? `one of ${r.enum.join(', ')}` : null,
  ].filter(Boolean);
  return extra.length ? `${t} (${extra.join('; ')})` : t;
}

export function SchemaTable(props: { doc: OpenApi; schema: Schema | undefined; caption: string }) {
  const r = resolve(props.doc, props.schema);
  const props2 = r?.properties ?? {};
  const names = Object.keys(props2);
  if (names.length === 0) return <p className="muted small">{typeLabel(props.doc, props.schema)}</p>;
  return (
    <Table caption={props.caption} hideCaption head={['Field', 'Type', 'Required', 'Description']}>
      {names.map((n) => {
        const f = resolve(props.doc, props2[n]);
        return (
          <tr key={n}>
            <td className="mono">{n}</td>
            <td className="small">{typeLabel(props.doc, props2[n])}</td>
            <td>{r?.required?.includes(n) ? 'yes' : ''}</td>
            <td className="small">
              <Markdown inline text={f?.description} />
            </td>
          </tr>
        );
      })}
    </Table>
  );
}

/**
 * A URL of a document as try-it calls it: a path when the gateway is this page's origin, the
 * absolute URL when it runs elsewhere (GATEWAY_PUBLIC_URL; the gateway allows this origin by CORS).
 * Relative URLs resolve against `base` (OpenAPI: against the server's URL).
 */
export function gatewayUrl(url: string | undefined, fallback: string, base = location.origin): string {
  if (!url) return fallback;
  try {
    const u = new URL(url, base);
    const path = u.pathname.replace(/\/$/, '');
    return u.origin === location.origin ? path : u.origin + path;
  } catch {
    return fallback;
  }
}

/** A URL as shown to people: absolute. */
export function absolute(url: string): string {
  return new URL(url, location.origin).href;
}
