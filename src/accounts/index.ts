export * from './accounts.ts';
export { ROLES, can, type Role, type Permission } from './roles.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
