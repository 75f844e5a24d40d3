// Keeps a stats sample and backend creates apart, so every report says exactly which
// creates it already counts: those that returned before the sample began.
export class StatsGate {
  private creating = 0;
  private sampling: Promise<void> | null = null;
  private idle: (() => void) | null = null;
  private landed = new Set<string>();

  /** Run a backend create; once it returns, the volume counts as landed. */
  async create<T>(volumeId: string, fn: () => Promise<T>): Promise<T> {
    while (this.sampling) await this.sampling;
    this.creating++;
    try {
      const result = await fn();
      this.landed.add(volumeId);
      return result;
    } finally {
      this.creating--;
      if (this.creating === 0) this.idle?.();
    }
  }

  /**
   * Take a stats sample while no create is in flight; returns it with the ids of the
   * creates that landed since the last sample. If the sample fails, they stay pending.
   */
  async sample<T>(fn: () => Promise<T>): Promise<{ result: T; landed: string[] }> {
    while (this.sampling) await this.sampling;
    let release!: () => void;
    this.sampling = new Promise<void>((r) => { release = r; });
    try {
      if (this.creating > 0) await new Promise<void>((r) => { this.idle = r; });
      this.idle = null;
      const landed = [...this.landed];
      const result = await fn();
      for (const id of landed) this.landed.delete(id);
      return { result, landed };
    } finally {
      this.sampling = null;
      release();
    }
  }
}
