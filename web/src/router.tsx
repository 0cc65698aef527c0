import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** A minimal history router: the URL is the state; links push, the back button pops. */
const listeners = new Set<() => void>();

/** `state` travels with the entry (history.state), e.g. a "Saved." to show on the page a save led to. */
export function navigate(to: string, replace = false, state: Record<string, unknown> | null = null) {
  if (replace) history.replaceState(state, '', to);
  else history.pushState(state, '', to);
  listeners.forEach((l) => l());
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function useLocation(): { path: string; query: URLSearchParams } {
  const [, force] = useState(0);
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Matches `/contacts/:id` against a path; returns the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const trim = (x: string) => (x.length > 1 ? x.replace(/\/$/, '') : x);
  const p = trim(pattern).split('/');
  const a = trim(path).split('/');
  if (p.length !== a.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) out[p[i].slice(1)] = decodeURIComponent(a[i]);
    else if (p[i] !== a[i]) return null;
  }
  return out;
}

export function Link({ to, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...rest} />;
}
