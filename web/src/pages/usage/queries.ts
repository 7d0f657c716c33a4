/** The usage area's query keys. */
export const usageKeys = {
  usage: (orgId: string, appId: string) => ['usage', orgId, appId],
  timeseries: (orgId: string, appId: string, range: string) => ['timeseries', orgId, appId, range],
  logs: (orgId: string, appId: string, filters: Record<string, string>) => ['logs', orgId, appId, filters],
} as const;
