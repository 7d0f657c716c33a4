import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api.ts';

/** The organisation area's query keys (one place, so an invalidation names the same key as the query). */
export const orgKeys = {
  all: ['orgs'],
  one: (orgId: string) => ['org', orgId],
  participants: ['participants'],
  members: (orgId: string) => ['members', orgId],
  invitations: (orgId: string) => ['invitations', orgId],
  termsHistory: (orgId: string) => ['terms-history', orgId],
  termination: (orgId: string) => ['termination', orgId],
  incidents: (orgId: string) => ['org-incidents', orgId],
  incident: (orgId: string, id: string) => ['org-incident', orgId, id],
  analytics: (orgId: string, window: string, appId: string) => ['org-analytics', orgId, window, appId],
} as const;

export function useOrgs() {
  return useQuery({
    queryKey: orgKeys.all,
    queryFn: async () => (await ok(api.GET('/api/v1/organizations'))).items,
  });
}

export function useOrg(orgId: string) {
  return useQuery({
    queryKey: orgKeys.one(orgId),
    queryFn: () => ok(api.GET('/api/v1/organizations/{orgId}', { params: { path: { orgId } } })),
  });
}
