import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useParams } from 'react-router';
import { api, ok } from '../../api.ts';
import { OrgNav } from '../../components/org-nav.tsx';
import { ActionButton, Badge, Empty, Notice, Page, QueryView, Table, when } from '../../components.tsx';
import { useOrg } from '../org/queries.ts';
import { canDevelop } from '../org/roles.ts';
import { sandboxKeys } from './queries.ts';

/** Long tables show this many rows until the reader asks for all (or filters). */
const PAGE = 25;

function useTestData(orgId: string | undefined) {
  return useQuery({
    queryKey: sandboxKeys.testData(orgId),
    queryFn: () => ok(api.GET('/api/v1/sandbox/test-data', { params: { query: { orgId } } })),
    enabled: !!orgId,
  });
}

/** 12-digit paisa amounts shown as rupees. */
function rupees(v: string): string {
  const n = Number(v);
  if (!Number.isFinite(n)) return v;
  return `PKR ${(n / 100).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function SandboxPage() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  const data = useTestData(orgId);
  const [filter, setFilter] = useState('');
  const [resetAt, setResetAt] = useState<string | null>(null);
  const [all, setAll] = useState<Record<string, boolean>>({});
  const cap = <T,>(name: string, rows: T[]): T[] => (all[name] || f ? rows : rows.slice(0, PAGE));
  const more = (name: string, total: number) =>
    !all[name] && !f && total > PAGE ? (
      <button
        type="button"
        className="btn btn-secondary btn-small"
        onClick={() => setAll({ ...all, [name]: true })}
      >
        Show all {total} {name}
      </button>
    ) : null;
  const f = filter.trim().toLowerCase();
  const match = (...v: string[]) => !f || v.some((x) => x.toLowerCase().includes(f));
  return (
    <Page
      title="Sandbox test data"
      lead="Your organisation's own simulated network: banks, accounts, billers, and the response code each value triggers."
    >
      <OrgNav orgId={orgId} current="sandbox" />
      {canDevelop(org.data) ? (
        <div className="card danger-zone">
          <h2 className="h3">Reset the sandbox</h2>
          <p>
            Restores every account, balance and bill to its starting state in one step. Transfers and payments
            made so far are cleared. Your apps and credentials are not affected.
          </p>
          <ActionButton
            variant="danger"
            confirm="Reset the sandbox? All simulated transfers and payments of your organisation are cleared."
            onClick={async () => {
              const r = await ok(api.POST('/api/v1/sandbox/reset', { body: { orgId } }));
              setResetAt(r.resetAt);
              await data.refetch();
            }}
          >
            Reset sandbox
          </ActionButton>
          {resetAt ? (
            <p role="status" className="ok-text">
              Reset done at {when(resetAt)}.
            </p>
          ) : null}
        </div>
      ) : null}
      <QueryView q={data} label="Loading test data…">
        {(d) => (
          <>
            <div className="toolbar">
              <label htmlFor="td-filter">Filter</label>
              <input
                id="td-filter"
                type="search"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                placeholder="title, account, response code…"
              />
            </div>
            <Notice>
              Use only these values: identifiers outside the simulated ranges look live and are refused.
              Timeout scenarios answer after {Math.round(d.timeoutDelayMs / 1000)} s.
            </Notice>
            <h2>Accounts</h2>
            {d.accounts.length === 0 ? (
              <Empty>No accounts.</Empty>
            ) : (
              <Table
                caption="Sandbox accounts"
                hideCaption
                head={['Title', 'Bank (IMD)', 'Account / IBAN', 'Balance', 'Response code', 'Scenario']}
              >
                {cap('accounts', d.accounts)
                  .filter((a) =>
                    match(
                      a.title,
                      a.accountNumber,
                      a.iban ?? '',
                      a.bankName,
                      a.scenario.responseCode,
                      a.scenario.description,
                    ),
                  )
                  .map((a) => (
                    <tr key={`${a.imd}-${a.accountNumber}`}>
                      <td>
                        {a.title}
                        <div className="muted small">
                          {a.accountType} · <Badge status={a.status} />
                        </div>
                      </td>
                      <td>
                        {a.bankName}
                        <div className="muted small mono">{a.imd}</div>
                      </td>
                      <td className="mono">
                        {a.accountNumber}
                        {a.iban ? <div className="small">{a.iban}</div> : null}
                      </td>
                      <td className="nowrap">{rupees(a.balance)}</td>
                      <td className="mono">{a.scenario.responseCode}</td>
                      <td className="small">{a.scenario.description}</td>
                    </tr>
                  ))}
              </Table>
            )}
            {more('accounts', d.accounts.length)}
            <h2>Billers and bills</h2>
            {d.bills.length === 0 ? (
              <Empty>No bills.</Empty>
            ) : (
              <Table
                caption="Sandbox bills"
                hideCaption
                head={[
                  'Biller (company code)',
                  'Consumer number',
                  'Status',
                  'Due',
                  'Amount',
                  'Response code',
                ]}
              >
                {cap('bills', d.bills)
                  .filter((b) => match(b.billerName, b.consumerNo, b.companyCode, b.scenario.responseCode))
                  .map((b) => (
                    <tr key={`${b.companyCode}-${b.consumerNo}`}>
                      <td>
                        {b.billerName}
                        <div className="muted small mono">{b.companyCode}</div>
                      </td>
                      <td className="mono">{b.consumerNo}</td>
                      <td>{b.billStatus}</td>
                      <td className="nowrap">{b.dueDate}</td>
                      <td className="nowrap">{rupees(b.amountWithinDueDate)}</td>
                      <td className="mono">
                        {b.scenario.responseCode}
                        <div className="small">{b.scenario.description}</div>
                      </td>
                    </tr>
                  ))}
              </Table>
            )}
            {more('bills', d.bills.length)}
            <h2>Other scenarios</h2>
            {d.otherScenarios.length === 0 ? (
              <Empty>None.</Empty>
            ) : (
              <Table
                caption="Other scenarios"
                hideCaption
                head={['Operation', 'Field', 'Value', 'Response code', 'What happens']}
              >
                {d.otherScenarios.map((s) => (
                  <tr key={`${s.operation}-${s.field}-${s.value}`}>
                    <td className="mono">{s.operation}</td>
                    <td className="mono">{s.field}</td>
                    <td className="mono">{s.value}</td>
                    <td className="mono">{s.responseCode}</td>
                    <td className="small">{s.description}</td>
                  </tr>
                ))}
              </Table>
            )}
            <h2>Banks</h2>
            <Table caption="Banks" hideCaption head={['Bank', 'Short name', 'IMD', 'Kind']}>
              {d.banks.map((b) => (
                <tr key={b.imd}>
                  <td>{b.bankName}</td>
                  <td>{b.shortName}</td>
                  <td className="mono">{b.imd}</td>
                  <td>{b.wallet ? 'wallet' : 'bank'}</td>
                </tr>
              ))}
            </Table>
          </>
        )}
      </QueryView>
    </Page>
  );
}
