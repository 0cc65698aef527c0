import type { Db } from './db/index.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './log.ts';
import type { Config } from './config.ts';

/** What every domain function receives: no HTTP, no env, no globals. */
export interface Ctx {
  db: Db;
  clock: Clock;
  log: Logger;
  config: Readonly<Config>;
  /** HMAC key for signed tokens (tracking, unsubscribe, opt-in). */
  secret: string;
}
