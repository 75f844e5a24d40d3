// Shares (the Shared File Systems API): status, protocol, where to mount, and create/delete.
import { useEffect, useState } from 'preact/hooks';
import { callShares, type Session, type Share } from './api';
import { statusClass } from './format';

export function Shares({ session, tick, onChange }: { session: Session; tick: number; onChange(): void }) {
  const [shares, setShares] = useState<Share[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [size, setSize] = useState('1');
  useEffect(() => {
    callShares<{ shares: Share[] }>(session, 'GET', '/shares/detail?limit=50&sort_key=created_at&sort_dir=desc')
      .then((r) => { setShares(r.shares); setError(null); }, (e: Error) => setError(e.message));
  }, [session, tick]);
  const act = async (what: () => Promise<unknown>) => {
    try {
      await what();
      setError(null);
      onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      await callShares(session, 'POST', '/shares', { share: { name: name || null, size: Number(size), share_proto: 'NFS' } });
      setName('');
    });
  };
  const where = (s: Share) => s.export_locations?.[0] ?? s.export_location ?? '';
  return (
    <section id="shares">
      <h2>Shares</h2>
      <form class="create" onSubmit={create} aria-label="create share">
        <input placeholder="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} aria-label="share name" />
        <input type="number" min="1" value={size} onInput={(e) => setSize((e.target as HTMLInputElement).value)} aria-label="share size in GiB" />
        <button type="submit">Create NFS share</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {shares && shares.length === 0 && <p>No shares.</p>}
      {shares && shares.length > 0 && (
        <table>
          <thead><tr><th>Name</th><th>Size</th><th>Status</th><th>Protocol</th><th>Export</th><th /></tr></thead>
          <tbody>{shares.map((s) => (
            <tr key={s.id} data-share-id={s.id}>
              <td title={s.id}>{s.name || s.id.slice(0, 8)}</td><td>{s.size} GiB</td>
              <td><span class={`status ${statusClass(s.status)}`}>{s.status}</span></td>
              <td>{s.share_proto}</td><td class="muted">{where(s)}</td>
              <td class="actions"><button class="danger" onClick={() => { if (confirm(`Delete share ${s.name || s.id}?`)) void act(() => callShares(session, 'DELETE', `/shares/${s.id}`)); }}>Delete</button></td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}
