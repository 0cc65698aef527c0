import type { Config } from './config.ts';
import { ManualClock, SystemClock, type Clock } from './clock.ts';
import Fastify, { type FastifyInstance } from 'fastify';
import { connectPglite, connectPostgres, migrate, pendingMigrations, type Db } from './db/index.ts';
import { createLogger, type Logger } from './log.ts';
import type { Ctx } from './context.ts';
import { getOrCreateSecret } from './accounts/index.ts';
import { advanceClock, drainDue, endJobLeases, jobBacklog, jobRoutes, jobsSource, Turns, Worker, type DueSource, type JobHandler } from './queue/index.ts';
import { buildServer, type Router } from './http/server.ts';
import { accountRoutes } from './accounts/routes.ts';
import { contactRoutes } from './contacts/routes.ts';
import { clockRoutes } from './http/clock-routes.ts';
import { importJobHandlers, importRoutes } from './contacts/import/index.ts';
import { fieldIndexJobHandlers } from './contacts/index.ts';
import { ensureEngagementSchedules, segmentJobHandlers, segmentRefreshSource, segmentRoutes } from './segments/index.ts';
import { messageRoutes } from './messages/routes.ts';
import { mediaRoutes } from './media/index.ts';
import { templateRoutes } from './templates/index.ts';
import { enrollmentBacklog, journeyJobHandlers, journeyRoutes, journeySource, triggerSource } from './journeys/index.ts';
import { DELIVERY_LEASE_MS, deliveryBacklog, deliveryRoutes, deliverySource, endSendingLeases, publicRoutes, transportsFor, type Transports } from './delivery/index.ts';
import { integrationRoutes, webhookSource } from './integrations/index.ts';
import { campaignJobHandlers, campaignRoutes } from './campaigns/index.ts';
import { staticRoutes } from './http/static.ts';
import { registerObservability, type Observability } from './http/observability.ts';
import { journeyStepsTotal, metricsRegistry } from './metrics/index.ts';

export interface AppOptions {
  config: Readonly<Config>;
  clock?: Clock;
  /** An already connected database (tests); otherwise DATABASE_URL or PGlite in the data dir. */
  db?: Db;
  /** How to open the database when `db` is not given. */
  open?: OpenOptions;
  log?: Logger;
  migrate?: boolean;
  /** Overrides the transports chosen from the config (tests of a given transport). */
  transports?: Partial<Transports>;
}

export interface App {
  ctx: Ctx;
  sources: DueSource[];
  /** Runs everything due now (tests and the manual clock). */
  drain(): Promise<number>;
  /** Manual clock only: moves time to `to`, running due work on the way. */
  advance(to: Date): Promise<{ ran: number; steps: number }>;
  http(): Promise<Router>;
  /** A server with only /metrics, /livez and /readyz, for a process without the API (`parcours worker`). */
  probes(): Promise<FastifyInstance>;
  startWorker(): Promise<Worker>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The command, named in the embedded database's lock (`parcours start`). */
  command?: string;
  /** Embedded: use the instance that already serves the data directory (CLI commands), else fail. */
  join?: boolean;
  appName?: string;
}

/**
 * DATABASE_URL, or the embedded database of the data directory: served by this process's own
 * database process, or, with `join`, by the running instance that already serves it.
 */
export async function openDb(config: Readonly<Config>, opts: OpenOptions = {}): Promise<Db> {
  if (config.databaseUrl) return connectPostgres(config.databaseUrl, { appName: opts.appName });
  return connectPglite(config.dataDir, { sharedBuffers: config.pgliteSharedBuffers, slowMs: config.pgliteSlowMs, ...opts });
}


/** Wires the database, the clock and the modules as plain objects; nothing starts by itself. */
export async function createApp(opts: AppOptions): Promise<App> {
  const log = opts.log ?? createLogger(opts.config.logLevel);
  const db = opts.db ?? (await openDb(opts.config, opts.open));
  if (opts.migrate !== false) await migrate(db);
  const clock = opts.clock ?? new SystemClock();
  if (!opts.db && (db as Db & { embedded?: unknown }).embedded) {
    // this process just started the embedded database: whoever held a lease died with the last one
    await endJobLeases(db, clock.now());
    await endSendingLeases(db, clock.now());
  }
  const secret = opts.config.secret ?? (await getOrCreateSecret(db));
  const ctx: Ctx = { db, clock, log, config: opts.config, secret };

  const handlers = new Map<string, JobHandler>([...importJobHandlers(ctx), ...fieldIndexJobHandlers(ctx), ...segmentJobHandlers(ctx), ...journeyJobHandlers(ctx), ...campaignJobHandlers(ctx)]);
  const transports = { ...transportsFor(ctx), ...opts.transports };
  const sources: DueSource[] = [
    jobsSource({ db, clock, log }, handlers),
    triggerSource(ctx),
    counting(journeySource(ctx, opts.config.journeyBatch, 2), (n) => journeyStepsTotal.inc(n)),
    deliverySource(ctx, transports, { batch: opts.config.workerBatch, leaseMs: DELIVERY_LEASE_MS, domainConcurrency: 10, lanes: 2 }),
    webhookSource(ctx, { allowPrivate: opts.config.webhooksAllowPrivate }),
    segmentRefreshSource(ctx),
  ];
  let server: Router | undefined;
  let worker: Worker | undefined;
  let httpDb: Db | undefined;
  let closeProbes: (() => Promise<void>) | undefined;
  const observability = (): Observability => ({
    registry: metricsRegistry({
      now: () => clock.now(),
      pools: httpDb && httpDb !== db ? { worker: db, http: httpDb } : { worker: db },
      backlog: async () => {
        const now = clock.now();
        return [
          { source: 'deliveries', ...(await deliveryBacklog(db, now)) },
          { source: 'jobs', ...(await jobBacklog(db, now)) },
          { source: 'enrollments', ...(await enrollmentBacklog(db, now)) },
        ];
      },
    }),
    metricsToken: opts.config.metricsToken,
    async ready() {
      const pending = await pendingMigrations(db);
      return { ok: pending.length === 0, checks: { database: 'ok', migrations: pending.length ? `not applied: ${pending.join(', ')} (run parcours migrate)` : 'ok' } };
    },
  });

  // the worker's rounds, drain() and a manual clock's advance run one at a time (issue 17)
  const turns = new Turns();
  const app: App = {
    ctx,
    sources,
    drain: () => turns.run(() => drainDue(sources, clock)),
    async advance(to) {
      if (!(clock instanceof ManualClock)) throw new Error('the clock is not manual');
      return advanceClock(clock, sources, to, turns);
    },
    async http() {
      if (server) return server;
      // requests go through a pool of their own, which the embedded database serves before the
      // worker's queue (O-1); a database given by the caller (tests) serves both
      httpDb ??= opts.db ?? (await connectPostgres(db.url, { appName: 'parcours-http', kind: db.kind }));
      const web: Ctx = { ...ctx, db: httpDb };
      server = await buildServer(web, [
        accountRoutes(web),
        contactRoutes(web),
        importRoutes(web),
        segmentRoutes(web),
        messageRoutes(web),
        mediaRoutes(web),
        templateRoutes(web),
        journeyRoutes(web),
        campaignRoutes(web),
        deliveryRoutes(web),
        publicRoutes(web),
        integrationRoutes(web),
        jobRoutes(web),
        ...(clock instanceof ManualClock ? [clockRoutes(web, app)] : []),
        staticRoutes(), // last: the web UI and its client-side routes
      ], observability());
      return server;
    },
    async probes() {
      // a worker's own small server: /metrics, /livez and /readyz only
      const probes = Fastify({ logger: false });
      registerObservability(probes, log, observability());
      await probes.ready();
      closeProbes = () => probes.close();
      return probes;
    },
    async startWorker() {
      await ensureEngagementSchedules(db, clock);
      worker = new Worker(db, sources, clock, log, undefined, turns);
      await worker.start();
      return worker;
    },
    async close() {
      // HTTP stops listening at once and ends after its requests in flight, beside the worker's stop
      await Promise.all([worker?.stop(), server?.close(), closeProbes?.()]);
      await transports.email.close();
      await transports.sms.close();
      if (!opts.db) {
        await httpDb?.close();
        await db.close();
      }
    },
  };
  return app;
}

/** A due source whose handled items are also counted (for /metrics). */
function counting(source: DueSource, count: (n: number) => void): DueSource {
  return {
    ...source,
    async runDue(now, stop) {
      const n = await source.runDue(now, stop);
      if (n > 0) count(n);
      return n;
    },
  };
}
