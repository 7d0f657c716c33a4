import { Link } from 'react-router';

/** Tabs shared by the organisation's pages. */
export function OrgNav(props: { orgId: string; current: string }) {
  const tabs: Array<[string, string]> = [
    ['overview', `/orgs/${props.orgId}`],
    ['apps', `/orgs/${props.orgId}/apps`],
    ['analytics', `/orgs/${props.orgId}/analytics`],
    ['sandbox', `/orgs/${props.orgId}/sandbox`],
    ['terms', `/orgs/${props.orgId}/terms`],
    ['termination', `/orgs/${props.orgId}/termination`],
    ['incidents', `/orgs/${props.orgId}/incidents`],
    ['information-requests', `/orgs/${props.orgId}/information-requests`],
  ];
  const labels: Record<string, string> = {
    overview: 'Overview and members',
    apps: 'Apps',
    analytics: 'Analytics',
    sandbox: 'Sandbox data',
    terms: 'Terms',
    termination: 'Termination',
    incidents: 'Incidents',
    'information-requests': 'Information requests',
  };
  return (
    <nav aria-label="Organisation" className="tabs">
      <ul>
        {tabs.map(([k, href]) => (
          <li key={k}>
            <Link to={href} aria-current={props.current === k ? 'page' : undefined}>
              {labels[k]}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
