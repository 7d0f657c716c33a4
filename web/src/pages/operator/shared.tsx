import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api.ts';
import { operatorKeys } from './queries.ts';

/** Pieces the operator's queues share: organisation names, and who (organisation, app) an item is about. */

/** Organisation names for the queues (operators see every organisation). */
export function useOrgNames() {
  const q = useQuery({
    queryKey: operatorKeys.orgs,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/admin/organizations', { params: { query: { limit: 500 } } }))).items,
    staleTime: 30_000,
  });
  return new Map((q.data ?? []).map((o) => [o.id, o.name]));
}

function AppName(props: { orgId: string; appId: string }) {
  const q = useQuery({
    queryKey: operatorKeys.app(props.appId),
    queryFn: () => ok(api.GET('/api/v1/admin/apps/{appId}', { params: { path: { appId: props.appId } } })),
    staleTime: 60_000,
    retry: false,
  });
  return <>{q.data?.name ?? props.appId}</>;
}

export function Who(props: { orgId: string; appId: string; names: Map<string, string> }) {
  return (
    <>
      <strong>{props.names.get(props.orgId) ?? props.orgId}</strong>
      <div className="small">
        app <AppName orgId={props.orgId} appId={props.appId} />
      </div>
    </>
  );
}
