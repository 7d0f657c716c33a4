import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { EnforcementAction, IncidentDetail } from '../api/views.ts';
import { api, ok } from '../api.ts';
import { Badge, Empty, Notice, Table, when } from '../components.tsx';

/** Query keys of enforcement data shared by the developer's and the operator's pages. */
export const enforcementKeys = {
  orgActions: (orgId: string, appId?: string) => ['enforcement-actions', orgId, appId ?? ''],
  reasons: ['enforcement-reasons'],
} as const;

const KIND_TEXT: Record<EnforcementAction['kind'], string> = {
  warn: 'Warning',
  throttle: 'Throttled',
  suspend_app: 'App suspended',
  suspend_org: 'Organisation suspended',
  reinstate: 'Reinstated',
  terminate_org: 'Access ended',
};

/** The reason categories (label and next steps), for the operator's forms. */
export function useEnforcementReasons() {
  return useQuery({
    queryKey: enforcementKeys.reasons,
    queryFn: async () => (await ok(api.GET('/api/v1/enforcement/reasons'))).items,
    staleTime: 3_600_000,
  });
}

/**
 * The enforcement actions in force on the organisation (or on one app of it), each as a notice
 * with its reason category, the note and what to do next. Shown on the dashboard and app pages.
 */
export function EnforcementNotices(props: { orgId: string; appId?: string; orgName?: string }) {
  const q = useQuery({
    queryKey: enforcementKeys.orgActions(props.orgId, props.appId),
    queryFn: async () =>
      (
        await ok(
          api.GET('/api/v1/orgs/{orgId}/enforcement-actions', {
            params: { path: { orgId: props.orgId }, query: { active: 'true', appId: props.appId } },
          }),
        )
      ).items,
  });
  const list = (q.data ?? []).filter((a) => !props.appId || a.appId === props.appId || a.appId === null);
  if (list.length === 0) return null;
  return (
    <>
      {list.map((a) => (
        <Notice
          key={a.id}
          tone={a.kind === 'warn' || a.kind === 'throttle' ? 'warn' : 'bad'}
          title={`${KIND_TEXT[a.kind]}${props.orgName ? ` — ${props.orgName}` : ''}: ${a.reasonLabel}`}
        >
          <p className="enforcement-note">
            {a.takenBy === 'organization' ? 'Your organisation’s note' : 'The operator’s note'}: {a.reason}
          </p>
          {a.throttle ? (
            <p>
              At most {a.throttle.limit} calls per {a.throttle.period} until {when(a.endsAt)}.
            </p>
          ) : null}
          <p>
            <strong>What to do next:</strong> {a.nextSteps}
          </p>
          {a.incidentId ? (
            <p>
              <Link to={`/orgs/${a.orgId}/incidents?incident=${a.incidentId}`}>
                See the incident and reply
              </Link>
            </p>
          ) : null}
        </Notice>
      ))}
    </>
  );
}

/** An incident's evidence, replies and actions (the operator's and the organisation's views). */
export function IncidentEvidence(props: { detail: IncidentDetail }) {
  const { incident, evidence, replies, actions } = props.detail;
  return (
    <>
      <p>{incident.summary}</p>
      <p className="muted">
        Subject: {incident.subject.kind} <code className="mono">{incident.subject.id}</code> ·{' '}
        {incident.count} event(s) from {when(incident.windowStart)} to {when(incident.windowEnd)}
        {incident.termsClause ? ` · Terms: ${incident.termsClause}` : ''}
        {incident.breachType ? ` · Breach: ${incident.breachType}` : ''}
      </p>
      <h3>Evidence</h3>
      {evidence.length === 0 ? (
        <Empty>No evidence recorded.</Empty>
      ) : (
        <Table caption="Evidence" head={['At', 'Request', 'Sample']} hideCaption>
          {evidence.map((e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td className="mono">{e.requestId ?? '—'}</td>
              <td className="mono small">{e.sample === null ? (e.note ?? '—') : JSON.stringify(e.sample)}</td>
            </tr>
          ))}
        </Table>
      )}
      <h3>Actions</h3>
      {actions.length === 0 ? (
        <Empty>No action taken.</Empty>
      ) : (
        <ul>
          {actions.map((a) => (
            <li key={a.id}>
              {KIND_TEXT[a.kind]} ({a.reasonLabel}) · {when(a.createdAt)}{' '}
              <Badge status={a.active ? 'active' : 'ended'} />
            </li>
          ))}
        </ul>
      )}
      <h3>Replies</h3>
      {replies.length === 0 ? (
        <Empty>No replies yet.</Empty>
      ) : (
        <ol className="replies">
          {replies.map((r) => (
            <li key={r.id}>
              <strong>{r.authorRole === 'operator' ? 'Operator' : 'Organisation'}</strong> ·{' '}
              {when(r.createdAt)}
              <p>{r.body}</p>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
