// What a cluster test saw, moment by moment, so a failed placement count tells its cause: per
// backend, the last stats report (when it was sampled, what it counts), the objects really on
// the backend, and the reservations every scheduler lays over the report; plus the test's own
// events (kill, restart) and the schedule tasks refused so far. A line is kept only when it changed.
import type { ClusterDeployment } from './cluster-deployment.js';

interface PoolReport {
  allocatedCapacityGiB: number;
  capacity: { known: boolean; totalGiB?: number };
}

export class ClusterTimeline {
  private readonly lines: string[] = [];
  private readonly t0 = Date.now();
  private last = '';
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly cluster: ClusterDeployment, private readonly backends: readonly string[], private readonly everyMs = 50) {}

  private stamp(): string {
    return `+${((Date.now() - this.t0) / 1000).toFixed(3)}s`;
  }

  /** Records a test event (a kill, a restart) between the samples. */
  mark(event: string): void {
    this.lines.push(`${this.stamp()} ** ${event}`);
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.sample().catch((e: unknown) => this.lines.push(`${this.stamp()} sample failed: ${String(e)}`));
        await new Promise((r) => setTimeout(r, this.everyMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Every line so far. */
  text(): string {
    return this.lines.join('\n');
  }

  private async sample(): Promise<void> {
    const db = this.cluster.db.kysely;
    const stats = await db.selectFrom('backendStats').select(['backendHost', 'updatedAt', 'stats']).execute();
    const reserved = await db.selectFrom('capacityReservations').select(['backendHost', 'reason', 'sizeGib', 'resourceId']).execute();
    const refused = await db.selectFrom('tasks').select('id').where('kind', '=', 'schedule_volume').where('status', '=', 'failed').execute();
    const parts: string[] = [];
    for (const backend of this.backends) {
      const row = stats.find((s) => s.backendHost.endsWith(`@${backend}`));
      if (!row) continue;
      const pool = (JSON.parse(row.stats) as { pools: PoolReport[] }).pools[0]!;
      const objects = this.cluster.backendVolumes(backend);
      const onDisk = new Set(objects.map((o) => o.id));
      const mine = reserved.filter((r) => r.backendHost === row.backendHost);
      const placements = mine.filter((r) => r.reason === 'placement');
      const withObject = placements.filter((r) => r.resourceId && onDisk.has(r.resourceId)).length;
      const placedGiB = placements.reduce((s, r) => s + r.sizeGib, 0);
      const changeGiB = mine.filter((r) => r.reason === 'change').reduce((s, r) => s + r.sizeGib, 0);
      const free = (pool.capacity.totalGiB ?? NaN) - pool.allocatedCapacityGiB - placedGiB - changeGiB;
      parts.push(`${backend}: report ${row.updatedAt.slice(11, 23)} counts ${pool.allocatedCapacityGiB} GiB, objects ${objects.reduce((s, o) => s + o.size, 0)} GiB, `
        + `placements ${placements.length}/${placedGiB} GiB (${withObject} with object), changes ${changeGiB} GiB, free as seen ${free} GiB`);
    }
    const line = `${parts.join(' | ')} | schedules refused ${refused.length}`;
    if (line !== this.last) this.lines.push(`${this.stamp()} ${line}`);
    this.last = line;
  }
}
