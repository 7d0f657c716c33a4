import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import type { TermsDocumentView, TermsVersionView } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { Badge, Dl, Notice, Page, QueryView, when } from '../../components.tsx';
import { Markdown } from '../../markdown.tsx';
import { useUser } from '../../session.tsx';
import { orgKeys } from '../org/queries.ts';
import { termsKeys } from './queries.ts';

/**
 * One terms version at /terms/versions/:versionId — where a terms-change notice's "Open" and the
 * e-mails about a version lead: the document, the version's standing (coming, in force, replaced),
 * its dates, summary and full text, and where each of the reader's organisations answers it.
 */

const CHANGE_CLASS: Record<string, string> = {
  standard: 'Standard change (after the notice period)',
  new_function: 'New function (may take effect at publication)',
  legal: 'Legal or regulatory change (may take effect at publication)',
};

function standing(
  v: TermsVersionView,
  docs: TermsDocumentView[] | undefined,
): { label: string; badge: string } {
  if (v.status === 'draft') return { label: 'Draft: not published', badge: 'draft' };
  const doc = docs?.find((d) => d.id === v.documentId);
  if (doc?.inForce?.id === v.id) return { label: `In force since ${when(v.effectiveAt)}`, badge: 'active' };
  if (doc?.pending.some((p) => p.id === v.id))
    return { label: `Takes effect ${when(v.effectiveAt)}`, badge: 'scheduled' };
  if (doc) return { label: 'Replaced by a later version', badge: 'superseded' };
  return { label: `Takes effect ${when(v.effectiveAt)}`, badge: 'published' };
}

export function TermsVersionPage() {
  const { versionId = '' } = useParams();
  const user = useUser();
  const version = useQuery({
    queryKey: termsKeys.version(versionId),
    queryFn: () => ok(api.GET('/api/v1/terms/versions/{versionId}', { params: { path: { versionId } } })),
  });
  const docs = useQuery({
    queryKey: termsKeys.documents,
    queryFn: async () => (await ok(api.GET('/api/v1/terms/documents'))).items,
  });
  const orgs = useQuery({
    queryKey: orgKeys.all,
    queryFn: async () => (await ok(api.GET('/api/v1/organizations'))).items,
    enabled: user?.status === 'active',
  });
  const v = version.data;
  return (
    <Page
      title={v ? `${v.document.title}, version ${v.version ?? 'draft'}` : 'Terms version'}
      lead={v?.summary || undefined}
    >
      <QueryView q={version} label="Loading the terms version…">
        {(v) => {
          const s = standing(v, docs.data);
          return (
            <>
              <Dl
                rows={[
                  [
                    'Document',
                    v.document.productSlug
                      ? `${v.document.title} (for ${v.document.productSlug})`
                      : v.document.title,
                  ],
                  ['Version', v.version ?? 'draft'],
                  [
                    'Standing',
                    <>
                      <Badge status={s.badge} /> {s.label}
                    </>,
                  ],
                  ['Published', when(v.publishedAt)],
                  ['Takes effect', when(v.effectiveAt)],
                  ['Kind of change', CHANGE_CLASS[v.changeClass] ?? v.changeClass],
                ]}
              />
              {v.status === 'published' ? (
                user ? (
                  (orgs.data ?? []).length > 0 ? (
                    <Notice title="Answering for an organisation">
                      <p>
                        Owners and admins accept or decline this version on their organisation’s terms page:{' '}
                        {(orgs.data ?? []).map((o, i) => (
                          <span key={o.id}>
                            {i > 0 ? ', ' : ''}
                            <Link to={`/orgs/${o.id}/terms`}>{o.name}</Link>
                          </span>
                        ))}
                        .
                      </p>
                    </Notice>
                  ) : null
                ) : (
                  <Notice>
                    <p>
                      <Link to="/sign-in">Sign in</Link> to accept or decline it for your organisation.
                    </p>
                  </Notice>
                )
              ) : null}
              <article className="card terms-doc" aria-label="Full text">
                <Markdown text={v.bodyMd} headingOffset={2} />
              </article>
              <p>
                <Link to="/terms">All terms in force</Link>
              </p>
            </>
          );
        }}
      </QueryView>
    </Page>
  );
}
