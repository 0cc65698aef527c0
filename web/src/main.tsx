import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { queryClient } from './data.ts';
import { SessionProvider } from './session.tsx';
import { LoginPage } from './shell/LoginPage.tsx';
import { App } from './App.tsx';
import { AcceptInvitation } from './shell/AcceptInvitation.tsx';
import './styles.css';

// an invitation's link (issue 16) is opened logged out: the invitee may not have an account yet
const invitation = /^\/invite\/([\w-]+)$/.exec(location.pathname)?.[1];

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      {invitation ? (
        <AcceptInvitation token={invitation} />
      ) : (
        <SessionProvider fallback={(s) => <LoginPage login={s.login} />}>
          <App />
        </SessionProvider>
      )}
    </QueryClientProvider>
  </StrictMode>,
);
