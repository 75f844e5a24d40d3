// "Why was this placed there": the scheduler's explanation for a request like the volume's
// (its size and type), pool by pool, with the filter that refused each pool and the weights.
import { useEffect, useState } from 'preact/hooks';
import { call, type Session, type Volume } from './api';

interface Explanation {
  chosen: string | null; summary: string;
  pools: Array<{ poolHost: string; verdicts: Array<{ filter: string; passed: boolean; reason: string }>; totalWeight?: number }>;
}

export function Explain({ session, volume, onClose }: { session: Session; volume: Volume; onClose(): void }) {
  const [ex, setEx] = useState<Explanation | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<{ explanation: Explanation }>(session, 'POST', '/flint/schedule-explain', { size: volume.size, volume_type: volume.volume_type, availability_zone: volume.availability_zone })
      .then((r) => setEx(r.explanation), (e: Error) => setError(e.message));
  }, [volume.id]);
  return (
    <div class="panel" id="explain">
      <h3>Placement of {volume.name || volume.id} <button onClick={onClose}>close</button></h3>
      <p class="muted">Placed on {volume['os-vol-host-attr:host'] ?? 'unknown'}. The scheduler, asked now for {volume.size} GiB of type {volume.volume_type ?? 'default'}:</p>
      {error && <p class="error">{error}</p>}
      {ex && <>
        <p>Would choose <strong>{ex.chosen ?? 'no pool'}</strong>. {ex.summary}</p>
        <table><thead><tr><th>Pool</th><th>Verdict</th><th>Weight</th></tr></thead>
          <tbody>{ex.pools.map((p) => {
            const refused = p.verdicts.find((v) => !v.passed);
            return <tr key={p.poolHost}><td>{p.poolHost}</td><td>{refused ? `${refused.filter}: ${refused.reason}` : 'passes every filter'}</td><td>{p.totalWeight ?? ''}</td></tr>;
          })}</tbody>
        </table>
      </>}
    </div>
  );
}
