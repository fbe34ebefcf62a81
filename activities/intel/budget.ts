// Per-provider daily lookup budgets, counted per UTC day (AbuseIPDB's free tier is 1,000 checks/day per endpoint).
export class DailyBudget {
  private day = '';
  private usedToday = 0;
  /** The provider itself said the day's quota is gone (even an "unlimited" local budget respects that). */
  private spent = false;

  constructor(readonly limit: number, private readonly now: () => number = Date.now) {}

  private roll(): void {
    const today = new Date(this.now()).toISOString().slice(0, 10);
    if (today !== this.day) {
      this.day = today;
      this.usedToday = 0;
      this.spent = false;
    }
  }

  /** Takes one unit if available (limit 0 = unlimited). */
  tryTake(): boolean {
    this.roll();
    if (this.spent || (this.limit > 0 && this.usedToday >= this.limit)) return false;
    this.usedToday++;
    return true;
  }

  /** Marks the day as spent (the provider itself said so, e.g. a 429 with a long Retry-After). */
  exhaust(): void {
    this.roll();
    this.spent = true;
  }

  get used(): number {
    this.roll();
    return this.usedToday;
  }

  get remaining(): number {
    this.roll();
    if (this.spent) return 0;
    return this.limit > 0 ? Math.max(0, this.limit - this.usedToday) : Infinity;
  }
}

/** Bounded concurrency: at most `max` tasks run at once, the rest wait in FIFO order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  get running(): number {
    return this.active;
  }
}
