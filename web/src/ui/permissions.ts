import { useSession } from '../session.tsx';

/** What a route needs (src/accounts/roles.ts, P-3). */
export type Permission = 'read' | 'write' | 'approve' | 'admin' | 'owner';

/**
 * `can('write')`: whether the signed-in role holds the permission, as GET /api/v1/me tells it,
 * so that a page shows only the buttons that work (issue 19). The server still decides; this only
 * hides what it would refuse.
 */
export function useCan(): (p: Permission) => boolean {
  const granted = useSession().me?.permissions ?? [];
  return (p) => granted.includes(p);
}
