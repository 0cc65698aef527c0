import { expect } from 'vitest';
import { sql } from '../src/db/index.ts';
import type { Api, TestApp, Workspace } from './helpers.ts';

/** Shared set-up of the campaign tests: a sender, an email with an unsubscribe link, contacts, a list. */
export const BODY = '<p>Hello {{ contact.first_name | default: "friend" }}</p><p><a href="https://shop.example/sale">Sale</a> <a href="https://shop.example/new">New</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>';

export async function email(ws: Workspace, subject = 'News', extra: Record<string, unknown> = {}) {
  const m = await ws.api('POST', '/api/v1/messages', { name: subject, channel: 'email', content: { subject, body: BODY, ...extra } });
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  return m.body.id as number;
}

export async function sender(ws: Workspace) {
  await ws.api('POST', '/api/v1/senders', { from_name: 'Shop', from_email: 'news@shop.example' });
}

/** n contacts (c1@… cn@…) on a new list, through SQL: ids ascend with n. */
export async function listOf(t: TestApp, ws: Workspace, n: number, prefix = 'c', extra: { language?: string; timezone?: string } = {}) {
  const list = (await ws.api('POST', '/api/v1/lists', { name: `L${prefix}${Math.random()}` })).body.id as number;
  await t.db.query(sql`
    insert into contacts (workspace_id, key, email, first_name, language, timezone, created_at, updated_at)
    select ${ws.id}, ${prefix} || g || '@example.com', ${prefix} || g || '@example.com', 'N' || g, ${extra.language ?? null}, ${extra.timezone ?? null}, ${t.clock.now()}, ${t.clock.now()}
      from generate_series(1, ${n}) g`);
  await t.db.query(sql`
    insert into list_members (workspace_id, list_id, contact_id, joined_at, source)
    select ${ws.id}, ${list}, id, ${t.clock.now()}, 'api' from contacts where workspace_id = ${ws.id} and email like ${`${prefix}%@example.com`}`);
  const ids = (await t.db.query<{ id: number }>(sql`select id from contacts where workspace_id = ${ws.id} and email like ${`${prefix}%@example.com`} order by id`)).rows.map((r) => r.id);
  return { list, ids };
}

export async function campaign(api: Api, body: Record<string, unknown>) {
  const r = await api('POST', '/api/v1/campaigns', { name: 'Campaign', ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as number;
}

/** Prepare (every check must pass) and approve with the workspace's owner key. */
export async function launch(ws: Workspace, id: number, approver: Api = ws.api) {
  const p = await ws.api('POST', `/api/v1/campaigns/${id}/prepare`);
  expect(p.body.ok, JSON.stringify(p.body.checks?.filter((c: any) => !c.ok))).toBe(true);
  const a = await approver('POST', `/api/v1/campaigns/${id}/approve`);
  expect(a.status, JSON.stringify(a.body)).toBe(200);
  return p.body;
}

export async function deliveries(t: TestApp, ws: Workspace, id: number) {
  return (await t.db.query<{ id: number; contact_id: number; status: string; send_at: Date; sent_at: Date | null; variant: string | null; language: string | null; to_address: string }>(sql`
    select id, contact_id, status, send_at, sent_at, variant, language, to_address from deliveries
     where workspace_id = ${ws.id} and campaign_id = ${id} order by contact_id`)).rows;
}

export async function outbox(t: TestApp, ws: Workspace) {
  return (await t.db.query<{ delivery_id: number; to_address: string; subject: string; html: string; created_at: Date }>(sql`
    select delivery_id, to_address, subject, html, created_at from outbox where workspace_id = ${ws.id} order by id`)).rows;
}

export const iso = (d: Date | string) => new Date(d).toISOString();
