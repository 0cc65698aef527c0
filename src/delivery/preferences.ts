import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { joinLists, leaveLists, setConsent } from '../contacts/index.ts';
import { escapeHtml, page } from '../http/page.ts';

export { viewOnline } from './preview.ts';

/** The lists a contact may choose from: the ones they are on, and every list with a public form. */
async function choices(ctx: Ctx, workspaceId: number, contactId: number) {
  const { rows } = await ctx.db.query<{ id: number; name: string; member: boolean }>(sql`
    select l.id, l.name, exists (select 1 from list_members m where m.workspace_id = l.workspace_id and m.list_id = l.id and m.contact_id = ${contactId}) as member
      from lists l where l.workspace_id = ${workspaceId}
       and (l.form_token is not null or exists (select 1 from list_members m where m.workspace_id = l.workspace_id and m.list_id = l.id and m.contact_id = ${contactId}))
     order by l.name`);
  return rows;
}

export async function preferencesPage(ctx: Ctx, workspaceId: number, contactId: number): Promise<string> {
  const lists = await choices(ctx, workspaceId, contactId);
  const boxes = lists
    .map((l) => `<label><input type="checkbox" name="list_${l.id}" value="on"${l.member ? ' checked' : ''}> ${escapeHtml(l.name)}</label>`)
    .join('');
  return page('Your email preferences', `<form method="post">${boxes}<label><input type="checkbox" name="unsubscribe_all" value="on"> Unsubscribe from all marketing email</label><button type="submit">Save</button></form>`);
}

/** Joins ticked lists, leaves unticked ones, and unsubscribes entirely when asked (C-4). */
export async function savePreferences(ctx: Ctx, workspaceId: number, contactId: number, form: Record<string, string>, ip?: string) {
  const lists = await choices(ctx, workspaceId, contactId);
  await ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const want = lists.filter((l) => form[`list_${l.id}`] === 'on').map((l) => l.id);
    const drop = lists.filter((l) => form[`list_${l.id}`] !== 'on').map((l) => l.id);
    await joinLists(tx, now, workspaceId, [contactId], want, 'form');
    await leaveLists(tx, now, workspaceId, [contactId], drop, 'preferences');
    if (form.unsubscribe_all === 'on') await setConsent(tx, now, workspaceId, contactId, { channel: 'email', status: 'unsubscribed', source: 'preferences', ip });
  });
}

