/** What a transport is handed: a fully rendered message for one delivery. */
export interface OutgoingEmail {
  channel: 'email';
  workspaceId: number;
  deliveryId: number;
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  messageId: string;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
}

export interface OutgoingSms {
  channel: 'sms';
  workspaceId: number;
  deliveryId: number;
  to: string;
  from?: string;
  body: string;
}

export type Outgoing = OutgoingEmail | OutgoingSms;

/**
 * sent: accepted by the next hop. temporary: try again later (4xx, timeouts, provider 5xx).
 * throttled: the receiving domain asks us to slow down (421/450/451/454). permanent: give up.
 * unknown: handed over but never answered (a timeout mid-session): it may have been accepted, so
 * the delivery is marked in_doubt and only an operator re-queues it.
 */
export type SendResult =
  | { status: 'sent'; providerId?: string }
  | { status: 'temporary' | 'throttled' | 'permanent' | 'unknown'; error: string }
  /** never handed over, because the process stops: queued again as it was */
  | { status: 'not_sent' };

/** One small port for every way out (listmonk's messenger, hono's router contract). */
export interface Transport {
  readonly name: string;
  readonly channel: 'email' | 'sms';
  /**
   * Sends a batch; results are in the same order. Never throws for a single bad message. A
   * message not yet handed over when `stop` is aborted is answered `not_sent`.
   */
  send(batch: Outgoing[], opts?: { stop?: AbortSignal }): Promise<SendResult[]>;
  close(): Promise<void>;
}
