import { z } from 'zod';
import { components, gatewayResponses, h, limitHeaders, security, servers } from './document-gateway.ts';
import { billsProduct } from './products/bills-document.ts';
import { ibftProduct } from './products/ibft-document.ts';
import type { ProductOperation, ProductSpec } from './products/product-spec.ts';
import { qrProduct } from './products/qr-document.ts';

/**
 * OpenAPI 3.1 documents of the sandbox products, generated from the zod schemas the handlers
 * validate with (`z.toJSONSchema`), so a document cannot say other than what the sandbox does.
 * The catalogue module registers `sandboxProducts`; the portal also serves them at
 * /api/v1/sandbox/products/{slug}/openapi.json. What is not a schema (summaries, descriptions,
 * examples) is data beside the schemas (products/*-document.ts); what the gateway adds (servers,
 * security, its own refusals) is document-gateway.ts.
 */
export type SandboxProduct = {
  slug: string;
  name: string;
  description: string;
  openapi: Record<string, unknown>;
};

type Json = Record<string, unknown>;

/**
 * zod's JSON Schema in the form the documents have always used: no $schema in components, a
 * nullable value as `type: [T, 'null']` rather than anyOf, nested alternatives flattened, unknown
 * fields allowed as `additionalProperties: true`, no redundant `propertyNames` on records, a
 * string's first pattern as its `pattern`.
 */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === '$schema') continue;
    if (k === 'propertyNames' && JSON.stringify(v) === '{"type":"string"}') continue;
    if (k === 'additionalProperties' && JSON.stringify(v) === '{}') {
      out[k] = true;
      continue;
    }
    out[k] = tidy(v);
  }
  // zod lists a string's patterns under allOf when there are several: the first (the format) is
  // the string's pattern; the rest (validity: a real date, a known code) stay under allOf.
  const all = out.allOf as Json[] | undefined;
  if (all && out.pattern === undefined && all.every((a) => Object.keys(a).join() === 'pattern')) {
    out.pattern = all[0].pattern;
    if (all.length > 1) out.allOf = all.slice(1);
    else delete out.allOf;
  }
  const alternatives = out.anyOf as Json[] | undefined;
  if (alternatives) {
    const flat = alternatives.flatMap((a) =>
      a.anyOf && Object.keys(a).length === 1 ? (a.anyOf as Json[]) : [a],
    );
    const nonNull = flat.filter((a) => a.type !== 'null');
    const hasNull = nonNull.length < flat.length;
    if (hasNull && nonNull.length === 1 && typeof nonNull[0].type === 'string') {
      const { anyOf: _, ...rest } = out;
      return { ...nonNull[0], ...rest, type: [nonNull[0].type, 'null'] };
    }
    out.anyOf = flat;
  }
  return out;
}

/**
 * A component schema. `alsoRequired` fields (see ProductOperation) are listed as required and,
 * since null and "" mean "not sent", as non-empty strings.
 */
function schemaOf(schema: z.ZodType, io: 'input' | 'output', alsoRequired: string[] = []): Json {
  const s = tidy(z.toJSONSchema(schema, { io, target: 'draft-2020-12' })) as Json;
  const properties = s.properties as Record<string, Json>;
  for (const name of alsoRequired) properties[name] = { ...properties[name], type: 'string', minLength: 1 };
  if (alsoRequired.length) s.required = [...(s.required as string[]), ...alsoRequired];
  return s;
}

const codeTable = (codes: Record<string, string>) =>
  ['| code | meaning |', '|---|---|', ...Object.entries(codes).map(([c, t]) => `| ${c} | ${t} |`)].join('\n');

const ref = (schema: Json) => ({ $ref: `#/components/schemas/${schema.title}` });

function operation(p: ProductSpec, o: ProductOperation, request: Json, response: Json) {
  return {
    post: {
      operationId: o.operationId,
      summary: o.summary,
      description: o.description,
      security,
      requestBody: {
        required: true,
        content: { 'application/json': { schema: ref(request), example: o.example } },
      },
      responses: {
        '200': {
          description: 'The network answered; ResponseCode says how (00 = processed).',
          headers: { 'X-Request-Id': h('XRequestId'), 'Cache-Control': h('CacheControl'), ...limitHeaders },
          content: { 'application/json': { schema: ref(response), examples: o.responseExamples } },
        },
        ...gatewayResponses,
      },
      tags: [p.tag],
    },
  };
}

/** The product's document: one path per operation, its schemas as components. */
function productDocument(p: ProductSpec): Json {
  const requests: Json = {};
  const responses: Json = {};
  const paths: Json = {};
  for (const o of p.operations) {
    const request = schemaOf(o.request, 'input', o.alsoRequired);
    const response = schemaOf(o.response, 'output');
    requests[request.title as string] = request;
    responses[response.title as string] = response;
    paths[o.path] = operation(p, o, request, response);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: p.title,
      version: '1.0.0',
      description: [...p.intro, '', codeTable(p.codes)].join('\n'),
      contact: { name: 'Darwaza operators' },
    },
    servers,
    paths,
    components: components({ ...requests, ...responses }),
    tags: [{ name: p.tag, description: p.tagDescription }],
  };
}

export const sandboxProducts: SandboxProduct[] = [ibftProduct, billsProduct, qrProduct].map((p) => ({
  slug: p.slug,
  name: p.name,
  description: p.description,
  openapi: productDocument(p),
}));
