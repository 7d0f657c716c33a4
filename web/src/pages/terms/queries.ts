/** The terms area's query keys. */
export const termsKeys = {
  documents: ['terms-docs'],
  version: (versionId: string) => ['terms-version', versionId],
  drafts: ['terms-drafts'],
  settings: ['terms-settings'],
} as const;
