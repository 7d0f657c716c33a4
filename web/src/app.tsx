import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Link, Route, Routes } from 'react-router';

const queryClient = new QueryClient();

function Home() {
  return (
    <section>
      <h1>Darwaza sandbox</h1>
      <p>
        Simulated interbank APIs — IBFT title fetch and funds transfer, 1Bill inquiry and payment — in the
        network's own formats. Sign up, register an app, get credentials, and make your first call.
      </p>
    </section>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the home page</Link>
      </p>
    </section>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <header className="topbar">
          <Link to="/" className="brand">
            Darwaza
          </Link>
        </header>
        <main id="main">
          <Routes>
            <Route path="/" element={<Home />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </main>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
