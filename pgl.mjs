import { PGlite } from '@electric-sql/pglite';
let t=performance.now();
const db = new PGlite();
await db.waitReady;
console.log('start ms', performance.now()-t, process.memoryUsage().rss/1e6);
console.log(await db.query("select version(), pg_current_xact_id()::text as x"));
t=performance.now(); const c = await db.clone(); console.log('clone', performance.now()-t);
