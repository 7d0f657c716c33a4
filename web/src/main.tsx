import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
// The stylesheet in cascade order: base and chrome, page furniture and forms, content, then the
// narrow-screen overrides, which must come last.
import './styles/base.css';
import './styles/furniture.css';
import './styles/content.css';
import './styles/responsive.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
