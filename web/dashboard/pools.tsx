// Backends and pools: capacity bars (free, provisioned against total) and each backend's problems.
import { useEffect, useState } from 'preact/hooks';
import { call, type Pool, type Session } from './api';
import { gib } from './format';

export function Pools({ session, tick }: { session: Session; tick: number }) {
  const [pools, setPools] = useState<Pool[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<{ pools: Pool[] }>(session, 'GET', '/scheduler-stats/get_pools?detail=True')
      .then((r) => { setPools(r.pools); setError(null); }, (e: Error) => setError(e.message));
  }, [session, tick]);
  if (error) return <section><h2>Backends and pools</h2><p class="error">{error}</p></section>;
  if (!pools) return <section><h2>Backends and pools</h2><p>Loading…</p></section>;
  return (
    <section id="pools">
      <h2>Backends and pools</h2>
      {pools.length === 0 && <p>No backend has reported yet.</p>}
      {pools.map((p) => {
        const c = p.capabilities;
        const total = typeof c.total_capacity_gb === 'number' ? c.total_capacity_gb : null;
        const free = typeof c.free_capacity_gb === 'number' ? c.free_capacity_gb : null;
        const used = total && free !== null ? Math.max(0, Math.min(100, ((total - free) / total) * 100)) : 0;
        const problems = (c.backend_problems as string[] | undefined) ?? [];
        return (
          <div class="pool" key={p.name}>
            <div class="pool-head"><strong>{p.name}</strong> <span class="muted">{String(c.storage_protocol ?? '')} · {String(c.volume_backend_name ?? '')}</span></div>
            <div class="bar" title={`${gib(free)} free of ${gib(total)}`}><div class="fill" style={{ width: `${used}%` }} /></div>
            <div class="muted">{gib(free)} free of {gib(total)} · provisioned {gib(c.provisioned_capacity_gb)} · thin {String(c.thin_provisioning_support ?? false)}</div>
            {problems.map((t) => <div class="problem" key={t}>⚠ {t}</div>)}
          </div>
        );
      })}
    </section>
  );
}
