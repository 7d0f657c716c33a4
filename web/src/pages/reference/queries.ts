/** The API reference's query keys. */
export const referenceKeys = {
  apiDocument: (slug: string, apiId: string) => ['api-doc', slug, apiId],
} as const;
