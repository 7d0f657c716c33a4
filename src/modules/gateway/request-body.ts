import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../platform/http/json-depth.ts';
import { GatewayError } from './gateway-errors.ts';

/**
 * The parse step of the gateway pipeline: a call's body arrives as text and is parsed only after
 * the caller is authenticated (authenticate needs the headers alone), so that every refusal of a
 * body — not JSON, prototype-poisoning keys, nested deeper than `MAX_JSON_DEPTH` — is a call of a
 * known organisation and app, answered 400 in the house error shape and recorded in its usage.
 * The depth is checked on the text before JSON.parse (src/platform/http/json-depth.ts): a deeper
 * value would overflow the stack of whatever walks it later (the usage writer, the request log).
 */
const MALFORMED = 'The request body is not valid JSON.';
const TOO_DEEP = `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`;
/** Keys that would reach an object's prototype: refused like Fastify does (one regex scan). */
const POISON = /__proto__|"constructor"/;

/**
 * The body of a call whose text is `text` (null: none was sent). A POST needs a body; a GET's is
 * ignored when absent. Throws the gateway's 400 refusals.
 */
export function parseRequestBody(method: string, text: string | null): unknown {
  if (text === null || text.length === 0) {
    if (method === 'POST') throw new GatewayError('malformed_json', 400, MALFORMED);
    return undefined;
  }
  if (exceedsJsonDepth(text)) throw new GatewayError('json_too_deep', 400, TOO_DEEP);
  if (POISON.test(text)) throw new GatewayError('malformed_json', 400, MALFORMED);
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError('malformed_json', 400, MALFORMED);
  }
}
