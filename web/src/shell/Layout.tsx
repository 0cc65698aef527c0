import type { ReactNode } from 'react';
import { Link, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

const NAV: { to: string; label: string; also?: string[] }[] = [
  { to: '/', label: 'Home' },
  { to: '/contacts', label: 'Contacts', also: ['/imports'] },
  { to: '/lists', label: 'Lists' },
  { to: '/fields', label: 'Custom fields' },
  { to: '/segments', label: 'Segments' },
  { to: '/messages', label: 'Messages' },
  { to: '/campaigns', label: 'Campaigns' },
  { to: '/journeys', label: 'Journeys' },
  { to: '/outbox', label: 'Outbox' },
  { to: '/settings', label: 'Settings' },
];

function active(path: string, item: (typeof NAV)[number]) {
  if (item.to === '/') return path === '/';
  return [item.to, ...(item.also ?? [])].some((p) => path === p || path.startsWith(`${p}/`));
}

export function Layout({ children }: { children: ReactNode }) {
  const { me, logout, switchWorkspace } = useSession();
  const { path } = useLocation();
  if (!me) return null;
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Parcours</div>
        {me.workspaces.length > 1 ? (
          <select className="ws-switch" aria-label="Workspace" value={me.workspace.id} onChange={(e) => void switchWorkspace(Number(e.target.value))}>
            {me.workspaces.map((w) => (
              <option key={w.id} value={w.id}>{w.name}</option>
            ))}
          </select>
        ) : (
          <div className="ws-name" title="Workspace">{me.workspace.name}</div>
        )}
        <ul>
          {NAV.map((n) => (
            <li key={n.to}>
              <Link to={n.to} className={active(path, n) ? 'active' : ''}>{n.label}</Link>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <span className="muted small">{me.role}</span>
          {me.via === 'session' && <button className="link" onClick={() => void logout()}>Log out</button>}
        </div>
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}
