import type { Ctx } from '../context.ts';
import { outboxTransport, smtpTransport, smsHttpTransport, type Transport } from './transports/index.ts';
import { smsStatusUrl } from './sms-status.ts';

export interface Transports {
  email: Transport;
  sms: Transport;
}

/** SMTP when SMTP_URL is set and an SMS provider when SMS_URL is (its status callbacks come to PUBLIC_URL), else the outbox (M-2). */
export function transportsFor(ctx: Ctx): Transports {
  return {
    email: ctx.config.smtpUrl ? smtpTransport(ctx.config.smtpUrl, { clock: ctx.clock }) : outboxTransport(ctx.db, ctx.clock, 'email'),
    sms: ctx.config.sms
      ? smsHttpTransport({ ...ctx.config.sms, statusCallback: (m) => smsStatusUrl(ctx, m.workspaceId, m.deliveryId) })
      : outboxTransport(ctx.db, ctx.clock, 'sms'),
  };
}

export { deliverySource, DELIVERY_LEASE_MS } from './sender.ts';
export { endSendingLeases, deliveryBacklog } from './claim.ts';
export { deliveryRoutes } from './routes.ts';
export { publicRoutes } from './public-routes.ts';
export { scheduleDeliveries, getDelivery, listDeliveries, sendingHealth, domainOf, type NewDelivery } from './schedule.ts';
export { recordEngagement, recordBounce, unsubscribeFromDelivery } from './feedback.ts';
export { renderFor, previewRow } from './preview.ts';
export { signToken, verifyToken } from './tokens.ts';
export { eventData } from './outcomes.ts';
export * from './transports/index.ts';
export * from './windows/index.ts';
