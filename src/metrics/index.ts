import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What Parcours exposes to Prometheus (issue 18, O-4), at GET /metrics. Counters are counted
 * where the work happens, in the process that does it (`parcours start` does both, a `worker`
 * serves its own on PARCOURS_METRICS_PORT); queue depths and lags are read from the database
 * at each scrape, so any process shows the whole queue.
 */
const counted = new Registry();
collectDefaultMetrics({ register: counted, prefix: 'parcours_' });

export const deliveriesTotal = new Counter({
  name: 'parcours_deliveries_total',
  help: 'Delivery outcomes recorded by this process, by channel and outcome (sent, failed, retry, throttled, suppressed, expired, skipped, requeue, in_doubt)',
  labelNames: ['channel', 'outcome'] as const,
  registers: [counted],
});
export const journeyStepsTotal = new Counter({
  name: 'parcours_journey_steps_total',
  help: 'Journey enrollments advanced by this process',
  registers: [counted],
});
export const jobsTotal = new Counter({
  name: 'parcours_jobs_total',
  help: 'Jobs run by this process, by kind and result (done, failed, released)',
  labelNames: ['kind', 'result'] as const,
  registers: [counted],
});
export const httpDuration = new Histogram({
  name: 'parcours_http_request_duration_seconds',
  help: 'HTTP requests answered by this process, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [counted],
});

export interface Backlog {
  /** The due source: deliveries, jobs, enrollments. */
  source: string;
  due: number;
  oldest: Date | null;
}

export interface MetricsSources {
  /** Work due now and not taken, per source (read from the database). */
  backlog(): Promise<Backlog[]>;
  now(): Date;
  pools: Record<string, { poolStats(): { total: number; idle: number; waiting: number } }>;
}

/** The registry one app serves: the process's counters and its database's queue. */
export function metricsRegistry(src: MetricsSources): Registry {
  const own = new Registry();
  // one database read per scrape, shared by both gauges
  let reading: Promise<Backlog[]> | undefined;
  const backlog = () => (reading ??= src.backlog().finally(() => setTimeout(() => (reading = undefined), 250)));
  const due = new Gauge({ name: 'parcours_queue_due', help: 'Items due now and not yet taken, per due source', labelNames: ['source'] as const, registers: [own],
    async collect() {
      for (const b of await backlog()) this.set({ source: b.source }, b.due);
    } });
  const lag = new Gauge({ name: 'parcours_queue_lag_seconds', help: 'How long the oldest item due and not taken has waited, per due source (0 when none)', labelNames: ['source'] as const, registers: [own],
    async collect() {
      const now = src.now().getTime();
      for (const b of await backlog()) this.set({ source: b.source }, b.oldest ? Math.max(0, (now - new Date(b.oldest).getTime()) / 1000) : 0);
    } });
  new Gauge({ name: 'parcours_db_pool_connections', help: 'Database pool connections of this process, by pool and state (total, idle, waiting clients)', labelNames: ['pool', 'state'] as const, registers: [own],
    collect() {
      for (const [pool, db] of Object.entries(src.pools)) {
        const s = db.poolStats();
        this.set({ pool, state: 'total' }, s.total);
        this.set({ pool, state: 'idle' }, s.idle);
        this.set({ pool, state: 'waiting' }, s.waiting);
      }
    } });
  void due;
  void lag;
  return Registry.merge([counted, own]);
}
