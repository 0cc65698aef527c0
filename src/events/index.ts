export { appendEvents, readLog, pendingAfter, contactTimeline, LOG_START, type NewEvent, type LogCursor, type LoggedEvent } from './log.ts';
