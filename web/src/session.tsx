import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import type { SessionInfo, User } from './api/views.ts';
import { ApiError, api, ok, setCsrfToken } from './api.ts';
import { Loading } from './components.tsx';

/** The signed-in session's query key (invalidated after sign-in, sign-out and profile changes). */
export const sessionKey = ['session'] as const;

/** The signed-in user, or null. 401 is an answer here (signed out), not an error. */
export function useSession() {
  return useQuery({
    queryKey: sessionKey,
    queryFn: async (): Promise<SessionInfo | null> => {
      try {
        return await ok(api.GET('/api/v1/session'));
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.code === 'operation_unavailable')) {
          setCsrfToken(null);
          return null;
        }
        throw err;
      }
    },
    staleTime: 30_000,
    retry: false,
  });
}

export function useUser(): User | null {
  return useSession().data?.user ?? null;
}

export function useSignOut() {
  const qc = useQueryClient();
  return async () => {
    try {
      await ok(api.DELETE('/api/v1/session'));
    } catch {}
    setCsrfToken(null);
    qc.clear();
    qc.setQueryData(['session'], null);
  };
}

/**
 * Guards a page: signed-out visitors go to sign-in (and come back); pending or rejected accounts go
 * to their status page; operator pages need an operator.
 */
export function RequireUser(props: { children: ReactNode; operator?: boolean; anyStatus?: boolean }) {
  const s = useSession();
  const loc = useLocation();
  if (s.isPending) return <Loading label="Checking your session…" />;
  const user = s.data?.user;
  if (!user)
    return <Navigate to={`/sign-in?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  if (!props.anyStatus && user.status !== 'active') return <Navigate to="/account/status" replace />;
  if (props.operator && !user.isOperator) {
    return (
      <section className="page">
        <h1 tabIndex={-1}>Operators only</h1>
        <p>This page is for the network's operators. Your account does not have that role.</p>
      </section>
    );
  }
  return <>{props.children}</>;
}
