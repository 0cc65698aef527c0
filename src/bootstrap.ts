import { randomBytes } from 'node:crypto';
import { sql, type Db } from './db/index.ts';
import type { Clock } from './clock.ts';
import { addMember, createApiKey, createUser, createWorkspace } from './accounts/index.ts';

export const FIRST_USER = 'admin@parcours.local';

export interface FirstRun {
  created: boolean;
  workspace: { id: number; name: string };
  email: string;
  password?: string;
  apiKey?: string;
}

/** On an empty database: a workspace, its owner and an API key, shown once to the operator. */
export async function ensureFirstWorkspace(db: Db, clock: Clock): Promise<FirstRun> {
  return db.tx(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(7261002)`);
    const existing = await tx.query<{ id: number; name: string }>(`select id, name from workspaces order by id limit 1`);
    if (existing.rows[0]) {
      const owner = await tx.query<{ email: string }>(sql`
        select u.email from memberships m join users u on u.id = m.user_id
         where m.workspace_id = ${existing.rows[0].id} and m.role = 'owner' order by u.id limit 1`);
      return { created: false, workspace: existing.rows[0], email: owner.rows[0]?.email ?? FIRST_USER };
    }
    const password = randomBytes(12).toString('base64url');
    const userId = await createUser(tx, clock, { email: FIRST_USER, name: 'Admin', password });
    const ws = await createWorkspace(tx, clock, 'My workspace');
    await addMember(tx, clock, ws.id, userId, 'owner');
    const key = await createApiKey(tx, clock, ws.id, 'first key', 'owner');
    return { created: true, workspace: { id: ws.id, name: ws.name }, email: FIRST_USER, password, apiKey: key.key };
  });
}
