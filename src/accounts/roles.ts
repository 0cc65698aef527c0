export const ROLES = ['owner', 'admin', 'author', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs; each role grants a fixed set (P-3). */
export const PERMISSIONS = ['read', 'write', 'approve', 'admin', 'owner'] as const;
export type Permission = (typeof PERMISSIONS)[number];

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

/** What the role may do, as GET /api/v1/me tells the UI (so that it shows only the buttons that work). */
export function permissionsOf(role: Role): Permission[] {
  return [...GRANTS[role]];
}
