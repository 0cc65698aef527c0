// `parcours demo` at scale (issue 9 goal: 1,000,000 contacts on PostgreSQL in under 5 minutes).
// node --import tsx bench/demo.ts [--db postgres|pglite] [--contacts 1000000]
import { sql } from '../src/db/index.ts';
import { runDemo } from '../src/cli/demo.ts';
import { arg, benchDb, machine, rssSampler } from './setup.ts';

const n = Number(arg('contacts', '1000000'));
const { db, label, drop } = await benchDb(arg('db', 'postgres'));
const rss = rssSampler();
const t0 = performance.now();
const { workspaceId } = await runDemo(db, n, () => {});
const seconds = (performance.now() - t0) / 1000;
const count = async (table: string) => Number((await db.query<{ n: number }>(sql`select count(*)::bigint as n from ${sql.raw(table)} where workspace_id = ${workspaceId}`)).rows[0].n);
const events = await count('events');
console.log(`bench/demo  ${label}  ${machine()}`);
console.log(`  ${n.toLocaleString('en')} contacts, ${events.toLocaleString('en')} events, ${(await count('list_members')).toLocaleString('en')} list memberships in ${seconds.toFixed(1)} s, peak RSS ${rss()} MB`);
await drop();
process.exit(0);
