import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { connectPglite, socketUrl, type Db } from '../src/db/index.ts';

/**
 * The embedded database's multiplexer (O-1): many pg clients on PGlite's one session, through
 * its own process and socket, as the app reaches it. Clients here are plain `pg` clients.
 */
let db: Db & { embedded?: { socketDir: string } };
let url: string;
const clients: pg.Client[] = [];
async function client(appName = 'test') {
  const c = new pg.Client({ connectionString: url, application_name: appName });
  c.on('error', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

beforeAll(async () => {
  db = await connectPglite();
  url = socketUrl(db.embedded!.socketDir);
  await db.query('create table t (id serial primary key, v text not null)');
});
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  await db.close();
});

describe('embedded database: one session, many clients', () => {
  it('keeps an open transaction to its client: others wait and never see its rows before commit', async () => {
    const a = await client();
    const b = await client();
    await a.query('begin');
    await a.query("insert into t (v) values ('a1')");
    let bDone = false;
    const bRead = b.query('select count(*)::int as n from t').then((r) => ((bDone = true), r.rows[0].n));
    await new Promise((r) => setTimeout(r, 150));
    expect(bDone).toBe(false); // it waits for the transaction, not reads inside it
    await a.query("insert into t (v) values ('a2')");
    await a.query('commit');
    expect(await bRead).toBe(2);
  });

  it('rolls back the transaction of a client that disconnects mid-way, and serves the others', async () => {
    const a = await client();
    const b = await client();
    await a.query('begin');
    await a.query("insert into t (v) values ('lost')");
    const bRead = b.query("select count(*)::int as n from t where v = 'lost'");
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await bRead).rows[0].n).toBe(0);
    expect((await b.query('select 1 as one')).rows[0].one).toBe(1); // the session is idle again
  });

  it('runs interleaved parameterised queries of several clients each with its own parameters', async () => {
    const cs = await Promise.all([client(), client(), client()]);
    const results = await Promise.all(
      cs.map(async (c, k) => {
        const out = [];
        for (let i = k; i < 60; i += 3) out.push((await c.query('select $1::int * 2 as n, $2::text as s', [i, `c${i}`])).rows[0]);
        return out;
      }),
    );
    expect(results.flat().sort((a, b) => a.n - b.n)).toEqual(Array.from({ length: 60 }, (_, i) => ({ n: i * 2, s: `c${i}` })));
  });

  it('answers an error in one client without touching another client\'s transaction', async () => {
    const a = await client();
    const b = await client();
    await expect(b.query('select nope')).rejects.toThrow(/nope/);
    await a.query('begin');
    await a.query("insert into t (v) values ('kept')");
    await a.query('commit');
    expect((await b.query("select count(*)::int as n from t where v = 'kept'")).rows[0].n).toBe(1);
  });

  it('delivers a notification to the clients listening on its channel only, whoever sends it', async () => {
    const listener = await client();
    const other = await client();
    const sender = await client();
    const got: string[] = [];
    const stray: string[] = [];
    listener.on('notification', (n) => got.push(`${n.channel}:${n.payload}`));
    other.on('notification', (n) => stray.push(`${n.channel}:${n.payload}`));
    await listener.query('LISTEN "wake"');
    await other.query('LISTEN "elsewhere"');
    await sender.query("select pg_notify('wake', 'one')");
    await sender.query('begin');
    await sender.query("select pg_notify('wake', 'two')");
    await sender.query('commit');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['wake:one', 'wake:two']);
    expect(stray).toEqual([]);
  });

  it('serves the API pool (application_name parcours-http) before queued background work', async () => {
    const holder = await client('worker');
    const workers = await Promise.all([client('worker'), client('worker'), client('worker')]);
    const api = await client('parcours-http');
    const order: string[] = [];
    await holder.query('begin');
    const background = workers.map((w, i) => w.query('select pg_sleep(0.05)').then(() => order.push(`worker${i}`)));
    await new Promise((r) => setTimeout(r, 50));
    const request = api.query('select 1').then(() => order.push('api'));
    await new Promise((r) => setTimeout(r, 50));
    await holder.query('commit');
    await Promise.all([...background, request]);
    expect(order[0]).toBe('api');
  });
  it('serves a request that came during a long background statement before the next one queued (O-1, issue 15)', async () => {
    const holder = await client('worker');
    const [a, b] = await Promise.all([client('worker'), client('worker')]);
    const api = await client('parcours-http');
    const order: string[] = [];
    await holder.query('begin');
    // both queued behind the open transaction; once it commits they run one after the other
    const first = a.query('select pg_sleep(0.3)').then(() => order.push('long'));
    await new Promise((r) => setTimeout(r, 20));
    const next = b.query('select pg_sleep(0.1)').then(() => order.push('next'));
    await new Promise((r) => setTimeout(r, 20));
    await holder.query('commit');
    // sent while the long statement runs: the session reads it only once that one is done
    await new Promise((r) => setTimeout(r, 100));
    const request = api.query('select 1').then(() => order.push('api'));
    await Promise.all([first, next, request]);
    expect(order).toEqual(['long', 'api', 'next']);
  });
});
