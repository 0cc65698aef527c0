// What each table an import writes costs per imported contact (issue 2): set-based inserts of N
// rows into contacts, list_members, consent_history and events (the three events an import
// logs per new contact), on the real schema, and with `--fk` with the foreign keys migration 017
// replaced by delete triggers put back. It prints µs per row for each, which bounds what any
// import code can reach on this machine.
// node --import tsx bench/import-tables.ts [--db pglite|postgres] [--rows 50000] [--fk]
import { migrate, sql, type Db } from '../src/db/index.ts';
import { SystemClock } from '../src/clock.ts';
import { createWorkspace } from '../src/accounts/index.ts';
import { arg, benchDb, machine } from './setup.ts';

const rows = Number(arg('rows', '50000'));
const { db, label, drop } = await benchDb(arg('db', 'pglite'));
await migrate(db);
const withFk = process.argv.includes('--fk');
if (withFk) {
  const fks = [
    ['contacts', '(workspace_id) references workspaces on delete cascade'],
    ['list_members', '(workspace_id, contact_id) references contacts on delete cascade'],
    ['list_members', '(workspace_id, list_id) references lists on delete cascade'],
    ['consent_history', '(workspace_id, contact_id) references contacts on delete cascade'],
  ];
  for (const [table, fk] of fks) await db.query(`alter table ${table} add foreign key ${fk}`);
}
const clock = new SystemClock();
const now = clock.now();
const ws = (await createWorkspace(db, clock, 'bench')).id;
const list = (await db.query<{ id: number }>(sql`insert into lists (workspace_id, name, created_at) values (${ws}, 'L', ${now}) returning id`)).rows[0].id;

async function timed(db: Db, what: string, q: ReturnType<typeof sql>) {
  const t0 = performance.now();
  await db.query(q);
  console.log(`  ${what.padEnd(58)} ${(((performance.now() - t0) * 1000) / rows).toFixed(1)} µs/row`);
}

console.log(`bench/import-tables  ${label}  ${machine()}  ${rows.toLocaleString('en')} rows per table${withFk ? ', with the foreign keys of before migration 017' : ''}`);
for (const round of [1, 2]) {
  console.log(`round ${round} (the tables hold ${((round - 1) * rows).toLocaleString('en')} rows already)`);
  const from = (round - 1) * rows + 1;
  const to = round * rows;
  await timed(db, 'contacts (4 indexes)', sql`
    insert into contacts (workspace_id, key, email, first_name, last_name, phone, language, birthday, fields, created_at, updated_at)
    select ${ws}, 'u' || g || '@example.com', 'u' || g || '@example.com', 'First' || g, 'Last' || g, '+336' || lpad(g::text, 8, '0'), 'fr',
           date '1970-01-01' + g % 10000, jsonb_build_object('plan', 'pro', 'score', g % 1000), ${now}, ${now}
      from generate_series(${from}::int, ${to}::int) g`);
  const batch = sql`select id from contacts where workspace_id = ${ws} and created_at = ${now} order by id offset ${from - 1}`;
  await timed(db, 'list_members (2 indexes)', sql`
    insert into list_members (workspace_id, list_id, contact_id, joined_at, source) select ${ws}, ${list}, id, ${now}, 'import' from (${batch}) b`);
  await timed(db, 'consent_history (2 indexes)', sql`
    insert into consent_history (workspace_id, contact_id, channel, status, source, occurred_at)
    select ${ws}, id, 'email', 'subscribed', 'import', ${now} from (${batch}) b`);
  await timed(db, 'events: contact.created, consent.changed, list.joined', sql`
    insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
    select ${ws}, b.id, x.t, x.d::jsonb, ${now}, ${now} from (${batch}) b
     cross join (values ('contact.created', '{"source":"import"}'), ('consent.changed', '{"channel":"email","status":"subscribed"}'),
                        ('list.joined', '{"list_id":1,"source":"import"}')) x(t, d)`);
}
await drop();
