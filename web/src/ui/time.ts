/**
 * Dates and times as a marketer reads them, in the workspace's time zone (issue 19: chart axes
 * showed raw ISO times). An invalid zone falls back to the browser's.
 */
function fmt(options: Intl.DateTimeFormatOptions, timeZone?: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone });
  } catch {
    return new Intl.DateTimeFormat(undefined, options);
  }
}

/** "2026-12-04" (a calendar day, no zone) or an ISO instant → "Dec 4". */
export function formatDay(value: string, timeZone?: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number);
    return fmt({ month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
  }
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? value : fmt({ month: 'short', day: 'numeric' }, timeZone).format(t);
}

/** An ISO instant → "Dec 4, 14:00" in the zone. */
export function formatDateTime(value: string, timeZone?: string): string {
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? value : fmt({ month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }, timeZone).format(t);
}
