import { useEffect, useRef } from 'react';
import { api, ok } from '../../api.ts';
import { ActionButton, QueryView } from '../../components.tsx';
import { Markdown } from '../../markdown.tsx';
import { useApplicableTerms } from '../public/queries.ts';

/** A product's additional terms, shown (and accepted) before subscribing. */

/** A product's additional terms, accepted for the organisation before subscribing. */
export function ProductTermsPanel(props: {
  orgId: string;
  productSlug: string;
  productName: string;
  canAccept: boolean;
  onAccepted: () => Promise<void>;
}) {
  const terms = useApplicableTerms(props.productSlug);
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="notice notice-warn product-terms">
      <h3 ref={ref} tabIndex={-1}>
        Additional terms for {props.productName}
      </h3>
      <p>
        {props.productName} has its own terms, which govern it where they differ from the general terms. Your
        organisation must accept them before subscribing.
      </p>
      <QueryView q={terms} label="Loading the terms…">
        {(t) => {
          const docs = t.documents.filter((d) => d.kind === 'additional' && d.inForce);
          return (
            <>
              {docs.map((d) => (
                <details key={d.id} className="disclosure">
                  <summary>
                    Read {d.title} (version {d.inForce!.version})
                  </summary>
                  <div className="preview">
                    <Markdown text={d.inForce!.bodyMd} headingOffset={3} />
                  </div>
                </details>
              ))}
              {props.canAccept ? (
                <ActionButton
                  variant="primary"
                  onClick={async () => {
                    for (const d of docs) {
                      await ok(
                        api.POST('/api/v1/terms/versions/{versionId}/accept', {
                          params: { path: { versionId: d.inForce!.id } },
                          body: { onBehalfOf: 'organization', orgId: props.orgId },
                        }),
                      );
                    }
                    await props.onAccepted();
                  }}
                >
                  Accept for the organisation and subscribe
                </ActionButton>
              ) : (
                <p>Ask an owner or admin of the organisation to accept them.</p>
              )}
            </>
          );
        }}
      </QueryView>
    </div>
  );
}
