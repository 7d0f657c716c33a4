/** The sandbox area's query keys. */
export const sandboxKeys = {
  testData: (orgId: string | undefined) => ['test-data', orgId],
} as const;
