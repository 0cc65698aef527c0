import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { queryClient } from './data.ts';
import { SessionProvider } from './session.tsx';
import { LoginPage } from './shell/LoginPage.tsx';
import { App } from './App.tsx';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider fallback={(s) => <LoginPage login={s.login} />}>
        <App />
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
