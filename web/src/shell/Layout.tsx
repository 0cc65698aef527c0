import { useEffect, useState, type ReactNode } from 'react';
import { Link, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

const NAV: { to: string; label: string; also?: string[] }[] = [
  { to: '/', label: 'Home' },
  { to: '/contacts', label: 'Contacts', also: ['/imports'] },
  { to: '/lists', label: 'Lists' },
  { to: '/fields', label: 'Custom fields' },
  { to: '/segments', label: 'Segments' },
  { to: '/messages', label: 'Messages', also: ['/templates'] },
  { to: '/campaigns', label: 'Campaigns' },
  { to: '/journeys', label: 'Journeys' },
  { to: '/outbox', label: 'Outbox' },
  { to: '/settings', label: 'Settings' },
];

function active(path: string, item: (typeof NAV)[number]) {
  if (item.to === '/') return path === '/';
  return [item.to, ...(item.also ?? [])].some((p) => path === p || path.startsWith(`${p}/`));
}

/**
 * The app's frame: a skip link, the navigation (a sidebar on wide screens; on a phone a top bar
 * whose Menu button opens it over the page) and the page.
 */
export function Layout({ children }: { children: ReactNode }) {
  const { me, logout, switchWorkspace } = useSession();
  const { path } = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  useEffect(() => {
    if (!open) return;
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('keydown', esc);
    return () => window.removeEventListener('keydown', esc);
  }, [open]);
  if (!me) return null;
  return (
    <div className={`shell${open ? ' nav-open' : ''}`}>
      <a className="skip-link" href="#content" onClick={(e) => { e.preventDefault(); document.getElementById('content')?.focus(); }}>Skip to content</a>
      <header className="topbar">
        <span className="brand">Parcours</span>
        <button className="menu-button" aria-expanded={open} aria-controls="main-nav" onClick={() => setOpen(!open)}>
          {open ? 'Close menu' : 'Menu'}
        </button>
      </header>
      <nav className="sidebar" id="main-nav" aria-label="Main">
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
              <Link to={n.to} className={active(path, n) ? 'active' : ''} aria-current={active(path, n) ? 'page' : undefined}>{n.label}</Link>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <span className="role small">{me.role}</span>
          {me.via === 'session' && <button className="link" onClick={() => void logout()}>Log out</button>}
        </div>
      </nav>
      {open && <div className="nav-scrim" aria-hidden="true" onClick={() => setOpen(false)} />}
      <main className="content" id="content" tabIndex={-1}>{children}</main>
    </div>
  );
}
