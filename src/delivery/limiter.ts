/** At most `limit` sends in flight per receiving domain, within one worker process (M-2). */
export class DomainLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async run<T>(domain: string, fn: () => Promise<T>): Promise<T> {
    while ((this.active.get(domain) ?? 0) >= this.limit) {
      await new Promise<void>((resolve) => {
        const q = this.waiting.get(domain) ?? [];
        q.push(resolve);
        this.waiting.set(domain, q);
      });
    }
    this.active.set(domain, (this.active.get(domain) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = (this.active.get(domain) ?? 1) - 1;
      if (n === 0) this.active.delete(domain);
      else this.active.set(domain, n);
      const q = this.waiting.get(domain);
      const next = q?.shift();
      if (q && q.length === 0) this.waiting.delete(domain);
      next?.();
    }
  }
}
