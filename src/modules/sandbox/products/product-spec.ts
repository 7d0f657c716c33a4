import type { z } from 'zod';
import type { WireRequest } from '../wire-fields.ts';

/**
 * A sandbox product as its OpenAPI document describes it (openapi.ts generates the document): the
 * operations with the zod schemas their handlers validate with, plus what only people read —
 * summaries, descriptions and examples.
 */
export type ProductSpec = {
  slug: string;
  name: string;
  description: string;
  /** The document's title and the paragraphs above its table of response codes. */
  title: string;
  intro: string[];
  codes: Record<string, string>;
  tag: string;
  tagDescription: string;
  operations: ProductOperation[];
};

export type ProductOperation = {
  /** Path after the catalog base (the gateway's NetworkOperation path). */
  path: string;
  operationId: string;
  summary: string;
  description: string;
  /** A wire request (the flat 1LINK messages) or, for 1QR's nested messages, a zod object. */
  request: WireRequest | z.ZodObject;
  response: z.ZodObject;
  /**
   * Fields the document lists as required although the request schema lets them be absent,
   * because a later check refuses the request without them with a network code (HASH: 22).
   */
  alsoRequired?: string[];
  example: Record<string, unknown>;
  responseExamples: Record<string, { summary: string; value: Record<string, string> }>;
};
