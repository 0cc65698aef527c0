import { sql, type Queryable } from '../db/index.ts';

/** Who acts on a campaign: a logged-in user, an API key (no user) or the platform itself. */
export interface Actor {
  userId: number | null;
  via: 'session' | 'api_key' | 'system';
  role?: string | null;
}

export const SYSTEM: Actor = { userId: null, via: 'system', role: null };

/** One line of the campaign's audit log (K-6), written in the transaction of the change. */
export async function audit(q: Queryable, at: Date, workspaceId: number, campaignId: number, action: string, actor: Actor, reason?: string | null, details: Record<string, unknown> = {}) {
  await q.query(sql`
    insert into campaign_audit (workspace_id, campaign_id, action, user_id, via, role, reason, details, at)
    values (${workspaceId}, ${campaignId}, ${action}, ${actor.userId}, ${actor.via}, ${actor.role ?? null}, ${reason ?? null}, ${JSON.stringify(details)}, ${at})`);
}

export async function listAudit(q: Queryable, workspaceId: number, campaignId: number) {
  const { rows } = await q.query(sql`
    select a.id, a.action, a.user_id, u.email as user_email, a.via, a.role, a.reason, a.details, a.at
      from campaign_audit a left join users u on u.id = a.user_id
     where a.workspace_id = ${workspaceId} and a.campaign_id = ${campaignId}
     order by a.id`);
  return rows;
}
