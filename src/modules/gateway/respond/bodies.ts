import { type ErrorCode, errorBody } from '../../../platform/errors.ts';
import type { GatewayError } from '../gateway-errors.ts';
import { type CallOutput, JSON_TYPE } from '../pipeline/call.ts';

/**
 * Every error body the gateway writes, for every entrance: the house shape
 * `{ error: { code, message, requestId, docs } }`, and for limit and capacity refusals (429, 503)
 * an RFC 9457 problem document carrying the house `error` member too, so a client that knows one
 * shape still finds the code. The network's own answers (declines included) are the operation's
 * body, written as the operation returned it.
 */
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const INTERNAL_ERROR = 'Something went wrong on our side; the request id identifies it.';
export const TOO_LARGE = 'The request body is larger than this endpoint accepts.';

/** The body and content type for a refusal. */
export function renderGatewayError(
  err: GatewayError,
  requestId: string,
  publicUrl: string,
): { contentType: string; payload: string } {
  const house = errorBody(err.code, err.message, requestId, publicUrl);
  if (err.shape === 'house') return { contentType: JSON_TYPE, payload: JSON.stringify(house) };
  const problem: Record<string, unknown> = {
    type: `${publicUrl}/docs/errors#${err.code}`,
    title: err.status === 429 ? 'Too Many Requests' : 'Service Unavailable',
    status: err.status,
    detail: err.message,
    instance: `urn:request:${requestId}`,
  };
  if (err.violated) problem['violated-policies'] = err.violated;
  problem.error = house.error;
  return { contentType: PROBLEM_TYPE, payload: JSON.stringify(problem) };
}

/** A whole answer in the house error shape (refusals made outside the steps: 413, 500). */
export function refusal(
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
  publicUrl: string,
): CallOutput {
  return {
    status,
    headers: {},
    contentType: JSON_TYPE,
    payload: JSON.stringify(errorBody(code, message, requestId, publicUrl)),
  };
}

export function internalError(requestId: string, publicUrl: string): CallOutput {
  return refusal(500, 'internal_error', INTERNAL_ERROR, requestId, publicUrl);
}
