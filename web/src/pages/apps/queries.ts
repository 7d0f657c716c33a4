/** The apps area's query keys. */
export const appKeys = {
  list: (orgId: string) => ['apps', orgId],
  one: (orgId: string, appId: string) => ['app', orgId, appId],
  subscriptions: (orgId: string, appId: string) => ['subs', orgId, appId],
  limitRequests: (orgId: string) => ['limits', orgId],
  productionCredentials: (orgId: string, appId: string) => ['production-credentials', orgId, appId],
} as const;
