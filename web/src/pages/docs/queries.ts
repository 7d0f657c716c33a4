/** The docs area's query keys. */
export const docsKeys = {
  errorCodes: ['error-codes'],
} as const;
