export const ROLES = ['owner', 'admin', 'author', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs; each role grants a fixed set (P-3). */
export type Permission = 'read' | 'write' | 'approve' | 'admin' | 'owner';

const GRANTS: Record<Role, Permission[]> = {
  owner: ['read', 'write', 'approve', 'admin', 'owner'],
  admin: ['read', 'write', 'approve', 'admin'],
  author: ['read', 'write'],
  approver: ['read', 'approve'],
  viewer: ['read'],
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}
