import {
  createContext,
  type FormEvent,
  type ReactNode,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { ApiError, errorMessage } from './api.ts';

/** Set once the visitor has navigated inside the app (see RouteWatcher in app.tsx). */
let navigated = false;
export function markNavigated(): void {
  navigated = true;
}

/** A page: sets the document title and moves focus to the heading when the route changes. */
export function Page(props: { title: string; lead?: ReactNode; actions?: ReactNode; children?: ReactNode }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Darwaza`;
    // After a client-side navigation, focus the heading so screen-reader and keyboard users land on
    // the new page's content. On the first page of a visit focus stays put (the skip link comes first).
    if (!navigated) return;
    if (document.activeElement === document.body || document.activeElement?.closest('nav, header')) {
      h1.current?.focus({ preventScroll: false });
    }
  }, [props.title]);
  return (
    <section className="page">
      <div className="page-head">
        <div>
          <h1 ref={h1} tabIndex={-1}>
            {props.title}
          </h1>
          {props.lead ? <p className="lead">{props.lead}</p> : null}
        </div>
        {props.actions ? <div className="page-actions">{props.actions}</div> : null}
      </div>
      {props.children}
    </section>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {props.label ?? 'Loading…'}
    </div>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <div className="state state-empty">{props.children}</div>;
}

function ErrorState(props: { error: unknown; retry?: () => void }) {
  const err = props.error;
  const unavailable = err instanceof ApiError && err.code === 'operation_unavailable';
  return (
    <div className={unavailable ? 'state state-empty' : 'state state-error'} role="alert">
      <p>{errorMessage(err)}</p>
      {err instanceof ApiError && err.requestId ? (
        <p className="muted small">Request id: {err.requestId}</p>
      ) : null}
      {props.retry && !unavailable ? (
        <button type="button" className="btn btn-secondary" onClick={props.retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Renders a TanStack query's three states with one call. */
export function QueryView<T>(props: {
  q: { isPending: boolean; error: unknown; data: T | undefined; refetch: () => unknown };
  children: (data: T) => ReactNode;
  label?: string;
}) {
  if (props.q.isPending) return <Loading label={props.label} />;
  if (props.q.error) return <ErrorState error={props.q.error} retry={() => props.q.refetch()} />;
  if (props.q.data === undefined) return <Loading label={props.label} />;
  return <>{props.children(props.q.data)}</>;
}

// ------------------------------------------------------------------ forms

type FormState = { errors: Record<string, string>; busy: boolean };
const FormContext = createContext<FormState>({ errors: {}, busy: false });

export type FormValues = Record<string, string | boolean>;

/**
 * A form whose fields are plain named inputs. On submit the values are collected, `onSubmit` runs,
 * and an ApiError is shown as a summary (focused, announced) plus a message under each named field.
 */
export function Form(props: {
  onSubmit: (values: FormValues, form: HTMLFormElement) => Promise<unknown> | unknown;
  submitLabel: string;
  busyLabel?: string;
  children: ReactNode;
  className?: string;
  secondary?: ReactNode;
  danger?: boolean;
  label?: string;
  /** Error codes that belong to one field (e.g. ineligible_underage → dateOfBirth). */
  codeFields?: Record<string, string>;
}) {
  const [state, setState] = useState<FormState>({ errors: {}, busy: false });
  const [summary, setSummary] = useState<string | null>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const summaryId = useId();

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (state.busy) return;
    const form = e.currentTarget;
    const values: FormValues = {};
    for (const el of Array.from(form.elements)) {
      const input = el as HTMLInputElement;
      if (!input.name) continue;
      if (input.type === 'checkbox') values[input.name] = input.checked;
      else if (input.type === 'radio') {
        if (input.checked) values[input.name] = input.value;
      } else values[input.name] = input.value;
    }
    setState({ errors: {}, busy: true });
    setSummary(null);
    try {
      await props.onSubmit(values, form);
      setState({ errors: {}, busy: false });
    } catch (err) {
      const fields = err instanceof ApiError ? { ...err.fields } : {};
      if (err instanceof ApiError && props.codeFields?.[err.code])
        fields[props.codeFields[err.code]] ??= err.message;
      setState({ errors: fields, busy: false });
      setSummary(errorMessage(err));
      requestAnimationFrame(() => {
        const first = Object.keys(fields)
          .map((f) => form.querySelector<HTMLElement>(`[name="${CSS.escape(f)}"]`))
          .find(Boolean);
        (first ?? summaryRef.current)?.focus();
      });
    }
  }

  return (
    <FormContext.Provider value={state}>
      <form
        className={props.className ?? 'form'}
        onSubmit={submit}
        noValidate
        aria-label={props.label}
        aria-describedby={summary ? summaryId : undefined}
      >
        {summary ? (
          <div className="form-summary" role="alert" tabIndex={-1} ref={summaryRef} id={summaryId}>
            {summary}
          </div>
        ) : null}
        {props.children}
        <div className="form-actions">
          <button
            type="submit"
            className={props.danger ? 'btn btn-danger' : 'btn btn-primary'}
            disabled={state.busy}
          >
            {state.busy ? (props.busyLabel ?? 'Working…') : props.submitLabel}
          </button>
          {props.secondary}
        </div>
      </form>
    </FormContext.Provider>
  );
}

type FieldProps = {
  name: string;
  label: string;
  type?: string;
  hint?: ReactNode;
  required?: boolean;
  autoComplete?: string;
  defaultValue?: string;
  placeholder?: string;
  options?: Array<{ value: string; label: string }>;
  rows?: number;
  inputMode?: 'numeric' | 'text' | 'email';
  pattern?: string;
  maxLength?: number;
  min?: string;
  max?: string;
  autoFocus?: boolean;
  /** Other names the API may use for this field in error details. */
  aliases?: string[];
};

/** A labelled input with its hint and its error wired through aria-describedby. */
export function Field(p: FieldProps) {
  const { errors } = useContext(FormContext);
  const id = useId();
  const error = errors[p.name] ?? p.aliases?.map((a) => errors[a]).find(Boolean);
  const hintId = p.hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedBy = [errId, hintId].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: p.name,
    required: p.required,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    autoFocus: p.autoFocus,
  } as const;
  if (p.type === 'checkbox') {
    return (
      <div className={error ? 'field field-check has-error' : 'field field-check'}>
        <input type="checkbox" {...common} defaultChecked={p.defaultValue === 'true'} />
        <label htmlFor={id}>
          {p.label}
          {p.required ? <span className="req"> (required)</span> : null}
        </label>
        {p.hint ? (
          <div id={hintId} className="hint">
            {p.hint}
          </div>
        ) : null}
        {error ? (
          <div id={errId} className="field-error">
            {error}
          </div>
        ) : null}
      </div>
    );
  }
  let control: ReactNode;
  if (p.options) {
    control = (
      <select {...common} defaultValue={p.defaultValue}>
        {p.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (p.type === 'textarea') {
    control = (
      <textarea
        {...common}
        rows={p.rows ?? 4}
        defaultValue={p.defaultValue}
        placeholder={p.placeholder}
        maxLength={p.maxLength}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type={p.type ?? 'text'}
        autoComplete={p.autoComplete}
        defaultValue={p.defaultValue}
        placeholder={p.placeholder}
        inputMode={p.inputMode}
        pattern={p.pattern}
        maxLength={p.maxLength}
        min={p.min}
        max={p.max}
      />
    );
  }
  return (
    <div className={error ? 'field has-error' : 'field'}>
      <label htmlFor={id}>
        {p.label}
        {p.required ? <span className="req"> (required)</span> : null}
      </label>
      {p.hint ? (
        <div id={hintId} className="hint">
          {p.hint}
        </div>
      ) : null}
      {control}
      {error ? (
        <div id={errId} className="field-error">
          {error}
        </div>
      ) : null}
    </div>
  );
}

/** A button that runs an async action, shows progress and reports failure next to itself. */
export function ActionButton(props: {
  onClick: () => Promise<unknown> | unknown;
  children: ReactNode;
  variant?: 'primary' | 'secondary' | 'danger' | 'link';
  confirm?: string;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="action">
      <button
        type="button"
        className={`btn btn-${props.variant ?? 'secondary'}`}
        disabled={busy}
        aria-label={props.label}
        onClick={async () => {
          if (props.confirm && !window.confirm(props.confirm)) return;
          setBusy(true);
          setError(null);
          try {
            await props.onClick();
          } catch (err) {
            setError(errorMessage(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Working…' : props.children}
      </button>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

export function CopyButton(props: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-secondary btn-small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(props.value);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        } catch {
          setCopied(false);
        }
      }}
    >
      {copied ? 'Copied' : (props.label ?? 'Copy')}
      <span className="visually-hidden" aria-live="polite">
        {copied ? ' to the clipboard' : ''}
      </span>
    </button>
  );
}

const TONES: Record<string, string> = {
  active: 'ok',
  approved: 'ok',
  confirmed: 'ok',
  published: 'ok',
  accepted: 'ok',
  pending: 'warn',
  unverified: 'warn',
  draft: 'warn',
  held: 'warn',
  scheduled: 'warn',
  deprecated: 'warn',
  rejected: 'bad',
  declined: 'bad',
  suspended: 'bad',
  revoked: 'bad',
  terminated: 'bad',
  retired: 'bad',
  cancelled: 'muted',
  expired: 'muted',
};

export function Badge(props: { status: string | null | undefined }) {
  const s = String(props.status ?? 'unknown');
  return <span className={`badge badge-${TONES[s] ?? 'muted'}`}>{s.replace(/_/g, ' ')}</span>;
}

export function Dl(props: { rows: Array<[string, ReactNode]> }) {
  return (
    <dl className="dl">
      {props.rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
}

export function day(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString('en-GB', {
    dateStyle: 'medium',
    timeZone: 'UTC',
  } as Intl.DateTimeFormatOptions);
}

/** A responsive table: scrolls sideways on a phone instead of overflowing the page. */
export function Table(props: {
  caption: string;
  head: string[];
  children: ReactNode;
  hideCaption?: boolean;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" tabIndex={0} aria-label={props.caption}>
      <table>
        <caption className={props.hideCaption ? 'visually-hidden' : undefined}>{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </section>
  );
}

export function Notice(props: {
  tone?: 'info' | 'warn' | 'ok' | 'bad';
  children: ReactNode;
  title?: string;
}) {
  return (
    <div className={`notice notice-${props.tone ?? 'info'}`}>
      {props.title ? <strong className="notice-title">{props.title}</strong> : null}
      {props.children}
    </div>
  );
}

export function CodeBlock(props: { code: string; label: string }) {
  return (
    <div className="code-block">
      <div className="code-head">
        <span>{props.label}</span>
        <CopyButton value={props.code} />
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: long code scrolls; keyboard users must reach it */}
      <pre tabIndex={0}>
        <code>{props.code}</code>
      </pre>
    </div>
  );
}
