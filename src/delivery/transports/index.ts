export type { Transport, Outgoing, OutgoingEmail, OutgoingSms, SendResult } from './types.ts';
export { outboxTransport, listOutbox, getOutboxMessage } from './outbox.ts';
export { smtpTransport, classifySmtpError } from './smtp.ts';
export { smsHttpTransport, type SmsHttpConfig } from './sms-http.ts';
