import type { ReactNode } from 'react';
import { Link } from '../router.tsx';

/** Names of the things events point at, by id (from the workspace's lists of them). */
export interface Names {
  lists: Map<number, string>;
  messages: Map<number, string>;
  campaigns: Map<number, string>;
  journeys: Map<number, string>;
  segments: Map<number, string>;
}

export interface TimelineEvent {
  id: number;
  type: string;
  data: Record<string, any> | null;
  occurred_at: string;
}

const SOURCES: Record<string, string> = {
  api: 'through the API',
  import: 'by an import',
  form: 'through a signup form',
  manual: 'by hand',
  journey: 'by a journey',
};
const source = (s: unknown) => (typeof s === 'string' ? SOURCES[s] ?? `(${s})` : '');

/** A value as the contact typed it, quoted, or "empty". */
function value(v: unknown): string {
  if (v === null || v === undefined || v === '') return 'empty';
  return typeof v === 'string' ? `“${v}”` : String(v);
}

function named(kind: keyof Names, path: string, what: string, names: Names, id: unknown): ReactNode {
  const n = Number(id);
  if (!Number.isFinite(n) || !id) return null;
  const name = names[kind].get(n);
  return <Link to={path === '/lists' ? '/lists' : `${path}/${n}`}>{name ? `“${name}”` : `${what} #${n}`}</Link>;
}

const CHANNEL: Record<string, string> = { email: 'Email', sms: 'SMS' };
const STATUS: Record<string, string> = {
  subscribed: 'subscribed', unsubscribed: 'unsubscribed', bounced: 'bounced', complained: 'complained (spam report)',
  none: 'no consent', opted_in: 'opted in', opted_out: 'opted out',
};

/** The message an event is about, and the campaign or journey that sent it. */
function sentBy(d: Record<string, any>, names: Names): ReactNode {
  const message = named('messages', '/messages', 'message', names, d.message_id);
  const campaign = named('campaigns', '/campaigns', 'campaign', names, d.campaign_id);
  const journey = named('journeys', '/journeys', 'journey', names, d.journey_id);
  return <>{message ?? (d.channel === 'sms' ? 'an SMS' : 'an email')}{campaign && <> of the campaign {campaign}</>}{journey && <> in the journey {journey}</>}</>;
}

const MESSAGE_VERBS: Record<string, string> = {
  'message.sent': 'Was sent',
  'message.delivered': 'Received',
  'message.opened': 'Opened',
  'message.clicked': 'Clicked a link in',
  'message.bounced': 'Bounced:',
  'message.complained': 'Reported as spam:',
  'message.unsubscribed': 'Unsubscribed from',
  'message.failed': 'Could not be sent',
};

/** One event as a sentence about the contact, with the names of what it points at linked. */
export function sentence(e: TimelineEvent, names: Names): ReactNode {
  const d = e.data ?? {};
  switch (e.type) {
    case 'contact.created': return <>Was added {source(d.source)}</>;
    case 'contact.updated': return <>Changed {String(d.field ?? 'a field').replace(/_/g, ' ')} from {value(d.old)} to {value(d.new)}</>;
    case 'list.joined': return <>Joined the list {named('lists', '/lists', 'list', names, d.list_id)} {source(d.source)}</>;
    case 'list.left': return <>Left the list {named('lists', '/lists', 'list', names, d.list_id)} {source(d.source)}</>;
    case 'tag.added': return <>Was tagged {value(d.tag)}</>;
    case 'tag.removed': return <>Lost the tag {value(d.tag)}</>;
    case 'consent.changed':
      return <>{CHANNEL[d.channel] ?? d.channel} consent: {STATUS[d.previous] ?? d.previous ?? 'none'} → {STATUS[d.status] ?? d.status}{d.source ? ` (${d.source})` : ''}</>;
    case 'segment.entered': return <>Entered the segment {named('segments', '/segments', 'segment', names, d.segment_id)}</>;
    case 'segment.left': return <>Left the segment {named('segments', '/segments', 'segment', names, d.segment_id)}</>;
    case 'purchase': return <>Purchased{d.product_name || d.name ? ` ${value(d.product_name ?? d.name)}` : ''}</>;
  }
  if (e.type in MESSAGE_VERBS) {
    const verb = MESSAGE_VERBS[e.type];
    if (e.type === 'message.sent' || e.type === 'message.failed') return <>{sentBy(d, names)} {verb.toLowerCase()}</>;
    return <>{verb} {sentBy(d, names)}</>;
  }
  return <>Did “{e.type}”</>;
}

/** A short, readable label of the event kind. */
export function kind(type: string): string {
  const [area] = type.split('.');
  return { contact: 'Profile', list: 'List', tag: 'Tag', consent: 'Consent', segment: 'Segment', message: 'Message' }[area] ?? 'Event';
}
