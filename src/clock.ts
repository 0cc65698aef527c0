/** Time is an input: domain code reads `clock.now()`, never the system clock. */
export interface Clock {
  now(): Date;
  readonly manual: boolean;
}

export class SystemClock implements Clock {
  readonly manual = false;
  now(): Date {
    return new Date();
  }
}

/** Moves only when told to (tests, demos, dry runs, `--clock manual`). */
export class ManualClock implements Clock {
  readonly manual = true;
  private t: number;
  constructor(start: Date = new Date()) {
    this.t = start.getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(to: Date): void {
    if (to.getTime() < this.t) throw new Error('a manual clock never moves backwards');
    this.t = to.getTime();
  }
}
