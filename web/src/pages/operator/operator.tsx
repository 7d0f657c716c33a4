import { Link, useParams } from 'react-router';
import { Page } from '../../components.tsx';
import { ConformanceSuitesAdmin } from '../conformance-editor.tsx';
import { AnalyticsAdmin } from './analytics.tsx';
import { AppsAdmin } from './apps-admin.tsx';
import { AuditAdmin } from './audit.tsx';
import { CatalogueAdmin } from './catalogue.tsx';
import { DetectorsAdmin } from './detectors.tsx';
import { EligibilityAdmin } from './eligibility.tsx';
import { PoliciesAdmin } from './enforcement-policies.tsx';
import { IncidentsAdmin } from './incidents.tsx';
import { OrganisationsAdmin } from './organisations.tsx';
import { ParticipantsAdmin } from './participants.tsx';
import { AccountsQueue, LimitsQueue, ProductionQueue, SubscriptionsQueue } from './queues.tsx';
import { RegulatorAdmin } from './regulator.tsx';
import { TermsAdmin } from './terms-admin.tsx';
import { UpstreamsAdmin } from './upstreams.tsx';

const TABS: Array<[string, string]> = [
  ['accounts', 'Accounts'],
  ['screening', 'Screening hits'],
  ['subscriptions', 'Subscriptions'],
  ['limits', 'Limit requests'],
  ['production', 'Production access'],
  ['conformance', 'Conformance suites'],
  ['analytics', 'Analytics'],
  ['organisations', 'Organisations'],
  ['apps', 'Apps'],
  ['incidents', 'Incidents'],
  ['policies', 'Enforcement policies'],
  ['detectors', 'Detectors'],
  ['catalogue', 'Catalogue'],
  ['upstreams', 'Upstreams'],
  ['eligibility', 'Eligibility'],
  ['terms', 'Terms'],
  ['participants', 'Participants'],
  ['regulator', 'Regulator requests'],
  ['audit', 'Audit trail'],
];

export function OperatorPage() {
  const { tab = 'accounts' } = useParams();
  const label = TABS.find(([k]) => k === tab)?.[1] ?? 'Accounts';
  return (
    <Page
      title={`Operator console: ${label}`}
      lead="Queues waiting for a decision, the gateway's traffic, the platform's terms and participants, and the audit trail."
    >
      <nav aria-label="Operator" className="tabs">
        <ul>
          {TABS.map(([k, l]) => (
            <li key={k}>
              <Link to={`/operator/${k}`} aria-current={k === tab ? 'page' : undefined}>
                {l}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {tab === 'accounts' ? <AccountsQueue screening={false} /> : null}
      {tab === 'screening' ? <AccountsQueue screening /> : null}
      {tab === 'subscriptions' ? <SubscriptionsQueue /> : null}
      {tab === 'limits' ? <LimitsQueue /> : null}
      {tab === 'production' ? <ProductionQueue /> : null}
      {tab === 'conformance' ? <ConformanceSuitesAdmin /> : null}
      {tab === 'analytics' ? <AnalyticsAdmin /> : null}
      {tab === 'organisations' ? <OrganisationsAdmin /> : null}
      {tab === 'apps' ? <AppsAdmin /> : null}
      {tab === 'incidents' ? <IncidentsAdmin /> : null}
      {tab === 'policies' ? <PoliciesAdmin /> : null}
      {tab === 'detectors' ? <DetectorsAdmin /> : null}
      {tab === 'catalogue' ? <CatalogueAdmin /> : null}
      {tab === 'upstreams' ? <UpstreamsAdmin /> : null}
      {tab === 'eligibility' ? <EligibilityAdmin /> : null}
      {tab === 'terms' ? <TermsAdmin /> : null}
      {tab === 'participants' ? <ParticipantsAdmin /> : null}
      {tab === 'regulator' ? <RegulatorAdmin /> : null}
      {tab === 'audit' ? <AuditAdmin /> : null}
    </Page>
  );
}

// ------------------------------------------------------------------ participant reviewers
