// Runs an async job one call at a time, for work whose writes must land in the order it was
// sampled (a backend's stats reports): a call made while another runs waits for it to end,
// then runs afresh, so no two overlap and none is written over a newer one.
export class OneAtATime {
  private current: Promise<unknown> | null = null;

  /** A call is running (a timer tick may skip rather than queue behind it). */
  get busy(): boolean {
    return this.current !== null;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    while (this.current) await this.current.catch(() => undefined);
    const run = job();
    this.current = run;
    try {
      return await run;
    } finally {
      if (this.current === run) this.current = null;
    }
  }
}
