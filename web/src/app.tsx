import { QueryCache, QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { BrowserRouter, Link, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import { ApiError, api, ok } from './api.ts';
import { markNavigated, Page } from './components.tsx';
import { ActivatePage, SignUpPage } from './pages/account/account.tsx';
import { DevMailPage } from './pages/account/dev-mail.tsx';
import { NotificationsPage, useNotifications } from './pages/account/notifications.tsx';
import { ProfilePage } from './pages/account/profile.tsx';
import { SecurityPage } from './pages/account/security.tsx';
import { ForgotPasswordPage, ResetPasswordPage, SignInPage, StatusPage } from './pages/account/sign-in.tsx';
import { AppDetailPage } from './pages/apps/app-detail.tsx';
import { AppsPage, NewAppPage } from './pages/apps/apps.tsx';
import { ConformancePage, SuitesPage } from './pages/conformance.tsx';
import { ErrorCodesPage } from './pages/docs/docs.tsx';
import { OperatorPage } from './pages/operator/operator.tsx';
import { ReviewerPage } from './pages/operator/participants.tsx';
import { OrgAnalyticsPage } from './pages/org/analytics.tsx';
import { OrgIncidentsPage } from './pages/org/incidents.tsx';
import { OrgInformationRequestsPage } from './pages/org/information-requests.tsx';
import { AcceptInvitationPage, DashboardPage, NewOrgPage, OrgPage } from './pages/org/org.tsx';
import { OrgTermsPage } from './pages/org/org-terms.tsx';
import { TerminationPage } from './pages/org/termination.tsx';
import { CatalogPage, GettingStartedPage, HomePage, ProductPage, TermsPage } from './pages/public/public.tsx';
import { ReferencePage } from './pages/reference/reference.tsx';
import { SandboxPage } from './pages/sandbox/sandbox.tsx';
import { TermsVersionPage } from './pages/terms/terms.tsx';
import { UsagePage } from './pages/usage/usage.tsx';
import { RequireUser, sessionKey, useSession, useSignOut } from './session.tsx';

/**
 * A 401 from any portal call means the session ended (expired, revoked elsewhere, password reset):
 * refresh the session so guarded pages send the person to sign-in instead of showing errors.
 */
const queryCache = new QueryCache({
  onError: (err, query) => {
    if (err instanceof ApiError && err.status === 401 && query.queryKey[0] !== sessionKey[0]) {
      void queryClient.invalidateQueries({ queryKey: sessionKey });
    }
  },
});

const queryClient: QueryClient = new QueryClient({
  queryCache,
  defaultOptions: {
    queries: {
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

function useDevMailbox(): boolean {
  const q = useQuery({
    queryKey: ['dev-mailbox-available'],
    queryFn: async () => {
      try {
        await ok(api.GET('/api/v1/dev/mail', { params: { query: { limit: 1 } } }));
        return true;
      } catch {
        return false;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  return q.data === true;
}

function Header() {
  const session = useSession();
  const user = session.data?.user ?? null;
  const signOut = useSignOut();
  const navigate = useNavigate();
  const loc = useLocation();
  const [open, setOpen] = useState(false);
  const devMail = useDevMailbox();
  // Participant reviewers see a Reviews link; for everyone else the list is empty.
  const reviews = useQuery({
    queryKey: ['my-review-participants'],
    queryFn: async () => (await ok(api.GET('/api/v1/review/participants'))).items,
    enabled: user?.status === 'active',
    staleTime: 60_000,
  });
  const reviewer = (reviews.data?.length ?? 0) > 0;
  const notices = useNotifications(!!user);
  const unread = (notices.data ?? []).filter((n) => !n.readAt).length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the phone menu whenever the page changes
  useEffect(() => setOpen(false), [loc.pathname]);
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            D
          </span>
          Darwaza <span className="brand-sub">developer portal</span>
        </Link>
        <button
          type="button"
          className="nav-toggle"
          aria-expanded={open}
          aria-controls="primary-nav"
          onClick={() => setOpen(!open)}
        >
          Menu
        </button>
        <nav id="primary-nav" aria-label="Main" className={open ? 'nav open' : 'nav'}>
          <ul>
            <li>
              <NavLink to="/catalog">API catalogue</NavLink>
            </li>
            <li>
              <NavLink to="/getting-started">Getting started</NavLink>
            </li>
            <li>
              <NavLink to="/terms">Terms</NavLink>
            </li>
            {user && user.status === 'active' ? (
              <li>
                <NavLink to="/dashboard">Dashboard</NavLink>
              </li>
            ) : null}
            {user?.isOperator ? (
              <li>
                <NavLink to="/operator">Operator console</NavLink>
              </li>
            ) : null}
            {reviewer ? (
              <li>
                <NavLink to="/reviews">Reviews</NavLink>
              </li>
            ) : null}
            {devMail && !user ? (
              <li>
                <NavLink to="/dev/mail">Dev mailbox</NavLink>
              </li>
            ) : null}
          </ul>
          <ul className="nav-account">
            {user ? (
              <>
                <li>
                  <NavLink to="/account/notifications">
                    Notices
                    {unread ? (
                      <span className="count">
                        {unread}
                        <span className="visually-hidden"> unread</span>
                      </span>
                    ) : null}
                  </NavLink>
                </li>
                <li>
                  <NavLink to="/account" end className="nav-user">
                    <span className="visually-hidden">Account: </span>
                    {user.name}
                  </NavLink>
                </li>
                <li>
                  <button
                    type="button"
                    className="btn btn-link nav-button"
                    onClick={async () => {
                      await signOut();
                      navigate('/sign-in');
                    }}
                  >
                    Sign out
                  </button>
                </li>
              </>
            ) : (
              <>
                <li>
                  <NavLink to="/sign-in">Sign in</NavLink>
                </li>
                <li>
                  <Link to="/sign-up" className="btn btn-primary btn-small">
                    Create account
                  </Link>
                </li>
              </>
            )}
          </ul>
        </nav>
      </div>
    </header>
  );
}

function Footer() {
  const devMail = useDevMailbox();
  return (
    <footer className="footer">
      <div className="footer-inner">
        <p>
          Darwaza sandbox — simulated network data only. Provided as is; sandbox availability is not promised.
        </p>
        <p>
          <Link to="/terms">Terms of use</Link> · <a href="/api/v1/openapi.json">Portal API (OpenAPI)</a> ·{' '}
          <Link to="/getting-started">Getting started</Link>
          {devMail ? (
            <>
              {' '}
              · <Link to="/dev/mail">Development mailbox</Link>
            </>
          ) : null}
        </p>
      </div>
    </footer>
  );
}

/** Remembers that a client-side navigation happened, so pages move focus to their heading. */
function RouteWatcher() {
  const loc = useLocation();
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every navigation
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    markNavigated();
  }, [loc.key]);
  return null;
}

function NotFound() {
  return (
    <Page title="Page not found" lead="There is nothing at this address.">
      <p>
        <Link to="/">Back to the home page</Link>
      </p>
    </Page>
  );
}

function guard(el: ReactNode, opts: { operator?: boolean; anyStatus?: boolean } = {}) {
  return (
    <RequireUser operator={opts.operator} anyStatus={opts.anyStatus}>
      {el}
    </RequireUser>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <RouteWatcher />
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <Header />
        <main id="main" tabIndex={-1}>
          <Routes>
            <Route path="/" element={<HomePage />} />
            <Route path="/catalog" element={<CatalogPage />} />
            <Route path="/catalog/:slug" element={<ProductPage />} />
            <Route path="/catalog/:slug/reference" element={<ReferencePage />} />
            <Route path="/terms" element={<TermsPage />} />
            <Route path="/terms/:slug" element={<TermsPage />} />
            <Route path="/terms/versions/:versionId" element={<TermsVersionPage />} />
            <Route path="/docs/errors" element={<ErrorCodesPage />} />
            <Route path="/getting-started" element={<GettingStartedPage />} />
            <Route path="/sign-up" element={<SignUpPage />} />
            <Route path="/activate" element={<ActivatePage />} />
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/forgot-password" element={<ForgotPasswordPage />} />
            <Route path="/reset-password" element={<ResetPasswordPage />} />
            <Route path="/dev/mail" element={<DevMailPage />} />
            <Route path="/account" element={guard(<ProfilePage />, { anyStatus: true })} />
            <Route path="/account/security" element={guard(<SecurityPage />, { anyStatus: true })} />
            <Route
              path="/account/notifications"
              element={guard(<NotificationsPage />, { anyStatus: true })}
            />
            <Route path="/account/status" element={guard(<StatusPage />, { anyStatus: true })} />
            <Route path="/dashboard" element={guard(<DashboardPage />)} />
            <Route path="/invitations/accept" element={guard(<AcceptInvitationPage />)} />
            <Route path="/orgs/new" element={guard(<NewOrgPage />)} />
            <Route path="/orgs/:orgId" element={guard(<OrgPage />)} />
            <Route path="/orgs/:orgId/terms" element={guard(<OrgTermsPage />)} />
            <Route path="/orgs/:orgId/termination" element={guard(<TerminationPage />)} />
            <Route path="/orgs/:orgId/incidents" element={guard(<OrgIncidentsPage />)} />
            <Route path="/orgs/:orgId/information-requests" element={guard(<OrgInformationRequestsPage />)} />
            <Route path="/orgs/:orgId/analytics" element={guard(<OrgAnalyticsPage />)} />
            <Route path="/orgs/:orgId/apps" element={guard(<AppsPage />)} />
            <Route path="/orgs/:orgId/apps/new" element={guard(<NewAppPage />)} />
            <Route path="/orgs/:orgId/apps/:appId" element={guard(<AppDetailPage />)} />
            <Route path="/orgs/:orgId/apps/:appId/usage" element={guard(<UsagePage />)} />
            <Route path="/orgs/:orgId/apps/:appId/conformance" element={guard(<ConformancePage />)} />
            <Route path="/conformance" element={guard(<SuitesPage />)} />
            <Route path="/orgs/:orgId/sandbox" element={guard(<SandboxPage />)} />
            <Route path="/reviews" element={guard(<ReviewerPage />)} />
            <Route path="/operator" element={guard(<OperatorPage />, { operator: true })} />
            <Route path="/operator/:tab" element={guard(<OperatorPage />, { operator: true })} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </main>
        <Footer />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
