import { Command, Option } from 'commander';
import { loadConfig, type Config } from './config.ts';
import { ManualClock, SystemClock, type Clock } from './clock.ts';
import { createApp, openDb, type App } from './app.ts';
import { migrate } from './db/index.ts';
import { ensureFirstWorkspace } from './bootstrap.ts';
import { createApiKey, ROLES, setPassword, type Role } from './accounts/index.ts';
import { registerImportExportCommands } from './cli/import-export.ts';
import { registerDemoCommand } from './cli/demo.ts';
import { registerBackupCommands } from './cli/backup.ts';
import { randomBytes } from 'node:crypto';

function clockFrom(opts: { clock?: string; startAt?: string }): Clock {
  if (opts.clock !== 'manual') return new SystemClock();
  const start = opts.startAt ? new Date(opts.startAt) : new Date();
  if (Number.isNaN(start.getTime())) throw new Error('--start-at: not an ISO 8601 time');
  return new ManualClock(start);
}

/**
 * Graceful stop (O-3): on SIGTERM or SIGINT the app stops claiming, finishes what it handed to
 * the relay, hands back what it claimed, and closes; past `limitS` seconds it exits anyway (what
 * was still being sent is then reported in doubt by the next worker). A second signal exits at once.
 */
function onShutdown(fn: () => Promise<void>, limitS: number) {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: stopping (at most ${limitS} s)`);
    setTimeout(() => {
      console.error(`still stopping after ${limitS} s (PARCOURS_SHUTDOWN_S): exiting now`);
      process.exit(1);
    }, limitS * 1000).unref();
    try {
      await fn();
    } catch (err) {
      console.error('error while stopping:', err);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function serve(config: Readonly<Config>, opts: { clock?: string; startAt?: string }, withWorker: boolean, withHttp = true) {
  const clock = clockFrom(opts);
  const command = `parcours ${withHttp ? (withWorker ? 'start' : 'serve') : 'worker'}`;
  const app: App = await createApp({ config, clock, open: { command } });
  if (withHttp) {
    const first = await ensureFirstWorkspace(app.ctx.db, clock);
    const server = await app.http();
    await server.listen({ port: config.port, host: config.host });
    const url = config.publicUrl;
    const lines = [
      `Parcours is running at ${url}  (API docs: ${url}/api/docs)`,
      `  database: ${config.databaseUrl ? 'PostgreSQL' : `embedded (PGlite) in ${config.dataDir}`}${clock.manual ? `, manual clock at ${clock.now().toISOString()}` : ''}`,
      `  workspace: ${first.workspace.name} (id ${first.workspace.id})`,
    ];
    if (first.created) {
      lines.push(`  log in as ${first.email} with password ${first.password}`);
      lines.push(`  API key (shown once): ${first.apiKey}`);
    } else {
      lines.push(`  log in as ${first.email} (password shown at first start; reset with: parcours user-password ${first.email})`);
      lines.push(`  new API key: parcours api-key --workspace ${first.workspace.id}`);
    }
    console.log(lines.join('\n'));
  }
  if (withWorker) await app.startWorker();
  if (!withHttp && config.metricsPort) await (await app.probes()).listen({ port: config.metricsPort, host: config.host });
  if (!withHttp) console.log(`Parcours worker running (${config.databaseUrl ? 'PostgreSQL' : 'PGlite'})${config.metricsPort ? `; /metrics, /livez, /readyz on port ${config.metricsPort}` : ''}`);
  onShutdown(() => app.close(), config.shutdownS);
}

const program = new Command('parcours').description('Email and SMS marketing automation');
const clockOption = new Option('--clock <kind>', 'system or manual (time moves only through POST /api/v1/clock/advance)').choices(['system', 'manual']).default('system');
const startAtOption = new Option('--start-at <iso>', 'start time of the manual clock');

program.command('start', { isDefault: true }).description('API, UI and worker in one process (embedded database unless DATABASE_URL)')
  .addOption(clockOption).addOption(startAtOption)
  .action((o) => serve(loadConfig(), o, true));
program.command('serve').description('HTTP only; run `parcours worker` for due work')
  .addOption(clockOption).addOption(startAtOption)
  .action((o) => serve(loadConfig(), o, false));
program.command('worker').description('due work only (sends, journeys, imports, jobs)')
  .action(() => serve(loadConfig(), {}, true, false));
/** CLI commands use the running instance's embedded database when there is one (P-6). */
const cliDb = (command: string) => openDb(loadConfig(), { join: true, command: `parcours ${command}` });

program.command('migrate').description('apply database migrations and exit').action(async () => {
  const db = await cliDb('migrate');
  const applied = await migrate(db);
  console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
  await db.close();
});
program.command('user-password').argument('<email>').option('--password <password>', 'the new password (random when omitted)')
  .description("set a user's password").action(async (email: string, o: { password?: string }) => {
    const db = await cliDb('user-password');
    await migrate(db);
    const password = o.password ?? randomBytes(12).toString('base64url');
    await setPassword(db, email, password);
    console.log(`password of ${email} set${o.password ? '' : `: ${password}`}`);
    await db.close();
  });
program.command('api-key').requiredOption('--workspace <id>', 'workspace id').option('--name <name>', 'key name', 'cli')
  .addOption(new Option('--role <role>').choices(ROLES as unknown as string[]).default('admin'))
  .description('create an API key (printed once)').action(async (o: { workspace: string; name: string; role: Role }) => {
    const db = await cliDb('api-key');
    await migrate(db);
    const k = await createApiKey(db, new SystemClock(), Number(o.workspace), o.name, o.role);
    console.log(k.key);
    await db.close();
  });
registerImportExportCommands(program);
registerBackupCommands(program);
registerDemoCommand(program, async () => {
  const db = await cliDb('demo');
  await migrate(db);
  return db;
});

program.parseAsync().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
