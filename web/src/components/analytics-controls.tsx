import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { AnalyticsWindow } from '../api/views.ts';
import { ApiError } from '../api.ts';

/**
 * The pieces around an analytics view that the operator's and an organisation's pages share: the
 * window (kept in the address as `?window=`, so a drill-down link or a reload keeps it), the
 * picker, and an error state that says what to do rather than only what went wrong.
 */
export const WINDOW_LABEL: Record<AnalyticsWindow, string> = {
  '1h': 'last hour',
  '24h': 'last 24 hours',
  '7d': 'last 7 days',
  '30d': 'last 30 days',
};
const WINDOWS = Object.keys(WINDOW_LABEL) as AnalyticsWindow[];

/**
 * The window named in the address (`?window=`), 24 hours when absent or unknown. The choice is also
 * held in state, set at once on change: the address changes in a router transition, and until
 * that renders React would put a controlled radio back to the old window (the click seemed lost).
 */
export function useAnalyticsWindow(): [AnalyticsWindow, (w: AnalyticsWindow) => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get('window');
  const inAddress = WINDOWS.find((w) => w === raw) ?? '24h';
  const [chosen, setChosen] = useState(inAddress);
  useEffect(() => setChosen(inAddress), [inAddress]);
  return [
    chosen,
    (w) => {
      setChosen(w);
      setParams(
        (p) => {
          p.set('window', w);
          return p;
        },
        { replace: true },
      );
    },
  ];
}

export function WindowPicker(props: { value: AnalyticsWindow; onChange: (w: AnalyticsWindow) => void }) {
  return (
    <fieldset className="segmented analytics-window">
      <legend className="visually-hidden">Time window</legend>
      {WINDOWS.map((w) => (
        <label key={w}>
          <input
            type="radio"
            name="analytics-window"
            checked={props.value === w}
            onChange={() => props.onChange(w)}
          />{' '}
          {WINDOW_LABEL[w].replace(/^last /, 'Last ')}
        </label>
      ))}
    </fieldset>
  );
}

/** What the reader can do about a failed analytics call, by its cause. */
function advice(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Reload the page; if it keeps failing, report it to the operator.';
  if (err.code === 'network_error') return 'Check your connection, then try again.';
  if (err.status === 401) return 'Your session has ended: sign in again.';
  if (err.status === 403)
    return 'Traffic analytics of the whole gateway are for operators. Sign in with an operator account, or see your organisation’s own analytics from its page.';
  if (err.status === 404)
    return 'Check the address: the organisation does not exist or you are not one of its members. Its owner can invite you.';
  if (err.status === 400) return 'Choose one of the windows above (last hour, 24 hours, 7 or 30 days).';
  return 'Try again in a minute. If it keeps failing, report it to the operator with the request id below.';
}

export function AnalyticsError(props: { error: unknown; retry: () => void }) {
  const err = props.error;
  const retryable = !(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.status === 429;
  return (
    <div className="state state-error" role="alert" data-testid="analytics-error">
      <p>
        <strong>The traffic analytics could not be loaded.</strong>{' '}
        {err instanceof Error ? err.message : 'Something went wrong.'}
      </p>
      <p>{advice(err)}</p>
      {err instanceof ApiError && err.requestId ? (
        <p className="muted small">Request id: {err.requestId}</p>
      ) : null}
      {retryable ? (
        <button type="button" className="btn btn-secondary" onClick={props.retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
