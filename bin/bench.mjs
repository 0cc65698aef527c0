#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only name]`: runs every script under bench/ and prints one
// table of figures with the machine it ran on. --quick uses small sizes (a smoke run).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';

const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
// sizes: the figure by default, a smoke size with --quick
const runs = {
  events: [['--db', 'postgres', ...(quick ? ['--events', '20000'] : [])], ['--db', 'pglite', ...(quick ? ['--events', '20000'] : [])]],
  import: [['--db', 'postgres', ...(quick ? ['--rows', '50000'] : [])], ['--db', 'pglite', ...(quick ? ['--rows', '50000'] : [])]],
  send: [['--db', 'postgres', '--transport', 'smtp', ...(quick ? ['--messages', '5000'] : [])], ['--db', 'postgres', '--transport', 'outbox', ...(quick ? ['--messages', '5000'] : [])]],
  render: [[]],
  segments: [['--db', 'postgres', ...(quick ? ['--contacts', '50000', '--events', '500000'] : [])]],
  journeys: [['--db', 'postgres', ...(quick ? ['--contacts', '10000'] : [])]],
  campaign: [['--db', 'postgres', ...(quick ? ['--contacts', '50000'] : [])]],
  demo: [['--db', 'postgres', ...(quick ? ['--contacts', '20000'] : [])]],
};
const scripts = readdirSync(new URL('../bench/', import.meta.url)).filter((f) => /^[a-z][a-z-]*\.ts$/.test(f) && f !== 'setup.ts' && f !== 'smtp-sink-process.ts');
const rows = [];
for (const file of scripts) {
  const name = file.replace(/\.ts$/, '');
  if (only && name !== only) continue;
  for (const args of runs[name] ?? [[]]) {
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${file}`, ...args], { encoding: 'utf8', timeout: 30 * 60_000 });
    const figures = (r.stdout ?? '').split('\n').filter((l) => /^\s{2}\S/.test(l)).map((l) => l.trim());
    const status = r.status === 0 ? 'ok' : `exit ${r.status ?? r.signal}`;
    if (figures.length === 0) figures.push((r.stderr ?? '').trim().split('\n').pop() ?? '(no output)');
    for (const f of figures) rows.push([name, args.join(' '), status, `${Math.round((Date.now() - started) / 1000)} s`, f]);
    process.stderr.write(`${name} ${args.join(' ')}: ${status}\n`);
  }
}
console.log(`Parcours benchmarks — ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString()}${quick ? ' (quick sizes)' : ''}`);
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 6));
for (const r of rows) console.log(`${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padEnd(widths[2])}  ${r[3].padStart(widths[3])}  ${r[4]}`);
