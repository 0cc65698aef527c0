/**
 * Losing the database (a restart, a failover, a network cut) is an error like any other for one
 * statement, but the process must survive it and carry on once the server is back (issue 9).
 */

// SQLSTATE class 08 (connection exception), 57P01..57P03 (admin/crash shutdown, cannot connect now)
const LOST_SQLSTATES = new Set(['08000', '08001', '08003', '08004', '08006', '08007', '57P01', '57P02', '57P03']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

/**
 * The connection was lost or refused. A statement in flight was rolled back by the server, unless
 * it had committed and only its answer was lost: run again only what is idempotent. Before a
 * statement was sent (connecting), it is always safe.
 */
export function isConnectionError(err: any): boolean {
  const code = err?.code;
  if (LOST_SQLSTATES.has(code) || UNREACHABLE_CODES.has(code)) return true;
  return /Connection terminated|connection is closed|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i.test(String(err?.message ?? ''));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` again, with a growing pause (100 ms … 2 s), while it fails with an error `retryable`
 * accepts and `ms` has not passed; then gives up with the last error. Infrastructure, not domain
 * time: the wall clock is right here.
 */
export async function retrying<T>(fn: () => Promise<T>, opts: { ms?: number; retryable?: (err: unknown) => boolean } = {}): Promise<T> {
  const retryable = opts.retryable ?? isConnectionError;
  const end = Date.now() + (opts.ms ?? 60_000);
  for (let pause = 100; ; pause = Math.min(2_000, pause * 2)) {
    try {
      return await fn();
    } catch (err) {
      if (!retryable(err) || Date.now() + pause > end) throw err;
      await sleep(pause);
    }
  }
}
