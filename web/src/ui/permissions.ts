import { useSession } from '../session.tsx';

/**
 * What the signed-in role may do, as the server grants it (src/accounts/roles.ts, P-3), so that
 * a page shows only the buttons that work (issue 19): an author sees no Approve, an approver no
 * edit button. The server still decides; this only hides what it would refuse.
 */
export type Permission = 'read' | 'write' | 'approve' | 'admin' | 'owner';

const GRANTS: Record<string, Permission[]> = {
  owner: ['read', 'write', 'approve', 'admin', 'owner'],
  admin: ['read', 'write', 'approve', 'admin'],
  author: ['read', 'write'],
  approver: ['read', 'approve'],
  viewer: ['read'],
};

export function roleCan(role: string | undefined, p: Permission): boolean {
  return (GRANTS[role ?? ''] ?? []).includes(p);
}

/** `can('write')`: whether the current role holds the permission. */
export function useCan(): (p: Permission) => boolean {
  const role = useSession().me?.role;
  return (p) => roleCan(role, p);
}
