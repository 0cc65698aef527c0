export { validateWindow, nextOpening, isInWindow, type DeliveryWindow, type DeliveryWindow as Window } from './window.ts';
export { applyWait, dueTime, type Wait, type WaitUnit } from './wait.ts';
export { paceSchedule, isExpired, type PaceOptions } from './pacing.ts';
