import { ActionButton, Badge, Table, when } from '../../components.tsx';

/** What the portal shows of a client secret: never the secret, only its last characters. */
type SecretRow = { id: string; hint: string; createdAt: string; expiresAt?: string | null; status: string };

/**
 * An app's client secrets (sandbox or production) with a Revoke button on each active one for
 * those who may revoke it; `onRevoke` deletes it and refreshes the page's data.
 */
export function SecretsTable(props: {
  caption: string;
  secrets: readonly SecretRow[];
  canRevoke: boolean;
  /** The button's accessible name for the secret ending `hint`. */
  revokeLabel: (hint: string) => string;
  confirm: string;
  onRevoke: (id: string) => Promise<void>;
}) {
  return (
    <Table caption={props.caption} head={['Secret', 'Created', 'Expires', 'Status', '']} hideCaption>
      {props.secrets.map((s) => (
        <tr key={s.id}>
          <td className="mono">…{s.hint}</td>
          <td>{when(s.createdAt)}</td>
          <td>{s.expiresAt ? when(s.expiresAt) : 'never'}</td>
          <td>
            <Badge status={s.status} />
          </td>
          <td>
            {props.canRevoke && s.status === 'active' ? (
              <ActionButton
                variant="danger"
                label={props.revokeLabel(s.hint)}
                confirm={props.confirm}
                onClick={() => props.onRevoke(s.id)}
              >
                Revoke
              </ActionButton>
            ) : null}
          </td>
        </tr>
      ))}
    </Table>
  );
}
