import { sql } from '../src/db/index.ts';
import { apiClient, type Api, type TestApp, type Workspace } from './helpers.ts';

/**
 * A colleague joins as a real one does (issue 16): invited by the workspace, accepting with the
 * link mailed to them (their password, or a new account's). Returns the invitation's answer.
 */
export async function inviteAndAccept(t: TestApp, ws: Workspace | { api: Api }, email: string, password: string, role: string) {
  const inv = await ws.api('POST', '/api/v1/invitations', { email, role });
  if (inv.status !== 201) return inv;
  await t.app.drain();
  const { rows } = await t.db.query<{ html: string }>(sql`select html from outbox where to_address = ${email} and subject like '%invited%' order by id desc limit 1`);
  const token = /\/invite\/([\w-]+)"/.exec(rows[0].html)![1];
  return apiClient(t.http, {})('POST', '/api/v1/invitations/accept', { token, password });
}
