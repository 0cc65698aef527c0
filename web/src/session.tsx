import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { ApiError, get, post, setCsrfToken, whenUnauthenticated } from './api.ts';
import { queryClient } from './data.ts';

export interface Me {
  user_id: number | null;
  role: string;
  /** What the role may do (read, write, approve, admin, owner). */
  permissions: string[];
  via: string;
  csrf_token: string | null;
  workspace: { id: number; name: string; timezone: string; unique_key: string; settings: Record<string, any> };
  workspaces: { id: number; name: string; role?: string }[];
}

interface Session {
  me: Me | null;
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
  switchWorkspace(id: number): Promise<void>;
  refresh(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** Loads who is logged in (GET /api/v1/me) and keeps the CSRF token for mutations. */
export function SessionProvider({ children, fallback }: { children: ReactNode; fallback: (s: Session) => ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loaded, setLoaded] = useState(false);

  const refresh = async () => {
    try {
      const m = await get<Me>('/api/v1/me');
      setCsrfToken(m.csrf_token);
      setMe(m);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      setMe(null);
    } finally {
      setLoaded(true);
    }
  };

  useEffect(() => {
    whenUnauthenticated(() => setMe(null));
    void refresh();
  }, []);

  const session: Session = {
    me,
    refresh,
    async login(email, password) {
      const r = await post<{ csrf_token: string }>('/api/v1/auth/login', { email, password });
      setCsrfToken(r.csrf_token);
      queryClient.clear();
      await refresh();
    },
    async logout() {
      await post('/api/v1/auth/logout');
      setCsrfToken(null);
      queryClient.clear();
      setMe(null);
    },
    async switchWorkspace(id) {
      await post('/api/v1/auth/workspace', { workspace_id: id });
      queryClient.clear();
      await refresh();
    },
  };

  if (!loaded) return null;
  return <SessionContext.Provider value={session}>{me ? children : fallback(session)}</SessionContext.Provider>;
}
