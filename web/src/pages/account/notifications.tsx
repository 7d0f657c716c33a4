import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, ok } from '../../api.ts';
import { ActionButton, Empty, Page, QueryView, when } from '../../components.tsx';
import { accountKeys } from './queries.ts';

/** The signed-in person's notifications. */

export function useNotifications(enabled: boolean) {
  return useQuery({
    queryKey: accountKeys.notifications,
    queryFn: async () => (await ok(api.GET('/api/v1/me/notifications'))).items,
    enabled,
    refetchInterval: 30_000,
  });
}

export function NotificationsPage() {
  const q = useNotifications(true);
  return (
    <Page title="Notifications" lead="Decisions, terms changes and notices about your organisations.">
      <QueryView q={q} label="Loading notifications…">
        {(list) =>
          list.length === 0 ? (
            <Empty>Nothing yet.</Empty>
          ) : (
            <ul className="plain-list card">
              {list.map((n) => (
                <li key={n.id} className={n.readAt ? 'notification' : 'notification unread'}>
                  <div className="card-head">
                    <h2 className="h3">
                      {n.readAt ? null : <span className="visually-hidden">Unread: </span>}
                      {n.title}
                    </h2>
                    <span className="muted small">{when(n.createdAt)}</span>
                  </div>
                  <p>{n.body}</p>
                  <p className="links">
                    {n.link ? <Link to={n.link.replace(/^https?:\/\/[^/]+/, '')}>Open</Link> : null}
                    {n.readAt ? null : (
                      <ActionButton
                        variant="link"
                        label={`Mark "${n.title}" as read`}
                        onClick={async () => {
                          await ok(
                            api.POST('/api/v1/me/notifications/{notificationId}/read', {
                              params: { path: { notificationId: n.id } },
                            }),
                          );
                          await q.refetch();
                        }}
                      >
                        Mark as read
                      </ActionButton>
                    )}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </Page>
  );
}
