import { useMemo } from 'react';
import { useSession } from '../session.tsx';
import { formatDateTime } from './time.ts';

type Msg = { id: number; name: string; channel?: string; updated_at?: string };

/**
 * How a picker names each message (issue 19): its name, and when another message has the
 * same name, its number and last change too ("Welcome (#12, updated Dec 4, 14:00)").
 * `channel` adds the channel first ("Welcome (email)") for pickers that mix them.
 */
export function messageLabels(messages: Msg[], opts: { channel?: boolean; timeZone?: string } = {}): Map<number, string> {
  const seen = new Map<string, number>();
  for (const m of messages) seen.set(m.name.trim().toLowerCase(), (seen.get(m.name.trim().toLowerCase()) ?? 0) + 1);
  return new Map(messages.map((m) => {
    const extra: string[] = [];
    if (opts.channel && m.channel) extra.push(m.channel);
    if ((seen.get(m.name.trim().toLowerCase()) ?? 0) > 1) extra.push(`#${m.id}${m.updated_at ? `, updated ${formatDateTime(m.updated_at, opts.timeZone)}` : ''}`);
    return [m.id, extra.length ? `${m.name} (${extra.join(', ')})` : m.name];
  }));
}

/** `messageLabels` with the workspace's time zone, for a picker: recomputed when the messages change. */
export function useMessageLabels(messages: Msg[], opts: { channel?: boolean } = {}): Map<number, string> {
  const timeZone = useSession().me?.workspace.timezone;
  return useMemo(() => messageLabels(messages, { channel: opts.channel, timeZone }), [messages, opts.channel, timeZone]);
}
