// Builds explanations (per-pool verdicts and weights), the one-line summary, and the human-readable text.
import type { Explanation, PoolExplanation, FilterVerdict, WeightDetail } from './scheduler.js';
import { decide, newRecord, type Decision, type Snapshot } from './decide.js';
import type { PoolFilter } from './filters/pool-filter.js';
import type { PoolWeigher } from './weighers/pool-weigher.js';
import type { RequestContext } from './request-context.js';

const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 1e6) / 1e6 : n);

/** Every pool's verdicts and weights, re-derived from the snapshot the decision was made on. */
export function explainPools(
  snap: Snapshot,
  ctx: RequestContext,
  filters: readonly PoolFilter[],
  weighers: readonly PoolWeigher[],
): PoolExplanation[] {
  const n = snap.pools.length;
  const rec = newRecord(n, weighers.length);
  decide(snap, ctx, filters, weighers, rec);
  const out: PoolExplanation[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = snap.pools[i];
    const u = snap.usage.get(i);
    const last = rec.rejectedBy[i] < 0 ? filters.length - 1 : rec.rejectedBy[i];
    const verdicts: FilterVerdict[] = [];
    for (let f = 0; f <= last; f++) {
      verdicts.push({ filter: filters[f].name, passed: f !== rec.rejectedBy[i], reason: filters[f].describe(p, u, ctx, i) });
    }
    const pe: PoolExplanation = { poolHost: p.poolHost, verdicts };
    if (rec.rejectedBy[i] < 0) {
      const weights: Record<string, number> = {};
      const details: WeightDetail[] = weighers.map((w, k) => {
        const normalized = round(rec.normalized[k][i]);
        const score = round(normalized * w.multiplier);
        weights[w.name] = score;
        return { weigher: w.name, raw: round(rec.raw[k][i]), normalized, multiplier: w.multiplier, score, reason: w.describe(p, u, ctx) };
      });
      pe.weights = weights;
      pe.totalWeight = round(rec.total[i]);
      pe.weightDetails = details;
    }
    out[i] = pe;
  }
  return out;
}

/** The one line a user reads: which filters rejected how many pools, with examples and numbers. */
export function summarize(snap: Snapshot, ctx: RequestContext, filters: readonly PoolFilter[], d: Decision): string {
  const parts: string[] = [];
  for (let f = 0; f < filters.length; f++) {
    const count = d.rejected[f];
    if (count === 0) continue;
    const shown = d.examples[f].map((i) => `${snap.pools[i].poolHost}: ${filters[f].describe(snap.pools[i], snap.usage.get(i), ctx, i)}`);
    const more = count > shown.length ? `; and ${count - shown.length} more` : '';
    parts.push(`${filters[f].name} rejected ${count} pool${count === 1 ? '' : 's'} (${shown.join('; ')}${more})`);
  }
  const size = `${ctx.sizeGiB} GiB volume ${ctx.req.volume.id}`;
  if (d.chosen >= 0) {
    const rest = parts.length > 0 ? `; ${parts.join('; ')}` : '';
    return `Placed ${size} on ${snap.pools[d.chosen].poolHost} (weight ${round(d.chosenWeight)}, best of ${d.candidates} pool${d.candidates === 1 ? '' : 's'} that passed every filter)${rest}`;
  }
  if (snap.pools.length === 0) return `No valid backend for ${size}: no backend has reported any pools`;
  return `No valid backend for ${size}: ${parts.join('; ')}`;
}

/**
 * An explanation whose per-pool detail is built the first time it is read (or serialised),
 * so a placement across 10,000 pools does not pay for 10,000 explanations nobody reads.
 */
export function lazyExplanation(chosen: string | null, summary: string, build: () => PoolExplanation[]): Explanation {
  let pools: PoolExplanation[] | undefined;
  const e = { chosen, summary } as Explanation;
  Object.defineProperty(e, 'pools', {
    enumerable: true,
    configurable: true,
    get: () => (pools ??= build()),
    set: (v: PoolExplanation[]) => {
      pools = v;
    },
  });
  return e;
}

/** Multi-line text for people (CLI `flint schedule explain`): the chosen pool first, then the others by weight. */
export function formatExplanation(e: Explanation, opts: { maxPools?: number } = {}): string {
  const lines = [e.chosen ? `Chosen pool: ${e.chosen}` : 'No valid backend', e.summary, ''];
  const passed = e.pools.filter((p) => p.totalWeight !== undefined).sort((a, b) => (b.totalWeight ?? 0) - (a.totalWeight ?? 0));
  const ordered = [
    ...passed.filter((p) => p.poolHost === e.chosen),
    ...passed.filter((p) => p.poolHost !== e.chosen),
    ...e.pools.filter((p) => p.totalWeight === undefined),
  ];
  const max = opts.maxPools ?? ordered.length;
  for (const p of ordered.slice(0, max)) {
    const rejectedBy = p.verdicts.find((v) => !v.passed);
    const head = rejectedBy ? `rejected by ${rejectedBy.filter}` : `passed, weight ${p.totalWeight}`;
    lines.push(`${p.poolHost}${p.poolHost === e.chosen ? ' (chosen)' : ''}: ${head}`);
    for (const v of p.verdicts) lines.push(`  ${v.passed ? 'pass' : 'FAIL'} ${v.filter}: ${v.reason}`);
    for (const w of p.weightDetails ?? []) {
      lines.push(`  weigh ${w.weigher}: ${w.score} (= ${w.normalized} × ${w.multiplier}; ${w.reason})`);
    }
  }
  if (ordered.length > max) lines.push(`… and ${ordered.length - max} more pools`);
  return lines.join('\n');
}
