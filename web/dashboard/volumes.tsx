// Volumes: filters, paging (marker-based, as the API pages), live progress of running
// operations, and the actions an operator uses daily.
import { useEffect, useState } from 'preact/hooks';
import { call, type Progress, type Session, type Volume } from './api';
import { TRANSITIONAL, statusClass } from './format';

const PAGE = 20;

export function Volumes({ session, tick, onChange, onExplain }: {
  session: Session; tick: number; onChange(): void; onExplain(v: Volume): void;
}) {
  const [volumes, setVolumes] = useState<Volume[] | null>(null);
  const [markers, setMarkers] = useState<string[]>([]); // marker of each page before this one
  const [status, setStatus] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<Record<string, Progress>>({});
  const [detail, setDetail] = useState<Volume | null>(null);

  const query = () => {
    const q = new URLSearchParams({ limit: String(PAGE + 1), sort: 'created_at:desc' });
    if (markers.length > 0 && markers[markers.length - 1]) q.set('marker', markers[markers.length - 1]!);
    if (status) q.set('status', status);
    if (name) q.set('name~', name);
    return `/volumes/detail?${q}`;
  };
  useEffect(() => {
    call<{ volumes: Volume[] }>(session, 'GET', query())
      .then((r) => { setVolumes(r.volumes); setError(null); }, (e: Error) => setError(e.message));
  }, [session, tick, markers, status, name]);

  // Live progress of the volumes whose operation is running (create from image, upload…).
  useEffect(() => {
    const busy = (volumes ?? []).filter((v) => TRANSITIONAL.has(v.status));
    if (busy.length === 0) return;
    let cancelled = false;
    void Promise.all(busy.map((v) => call<{ progress: Progress }>(session, 'GET', `/flint/volumes/${v.id}/progress`).then((r) => [v.id, r.progress] as const).catch(() => null)))
      .then((rows) => { if (!cancelled) setProgress(Object.fromEntries(rows.filter((r) => r !== null))); });
    return () => { cancelled = true; };
  }, [volumes]);

  const act = async (what: () => Promise<unknown>) => {
    try {
      await what();
      setError(null);
      onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const page = volumes?.slice(0, PAGE) ?? [];
  const hasNext = (volumes?.length ?? 0) > PAGE;

  return (
    <section id="volumes">
      <h2>Volumes</h2>
      <CreateVolume session={session} onCreated={onChange} onError={setError} />
      <div class="filters">
        <input placeholder="name contains" value={name} onInput={(e) => { setName((e.target as HTMLInputElement).value); setMarkers([]); }} aria-label="filter by name" />
        <select value={status} onChange={(e) => { setStatus((e.target as HTMLSelectElement).value); setMarkers([]); }} aria-label="filter by status">
          <option value="">any status</option>
          {['available', 'in-use', 'creating', 'deleting', 'extending', 'error', 'error_deleting', 'error_extending'].map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!volumes ? <p>Loading…</p> : (
        <table>
          <thead><tr><th>Name</th><th>Size</th><th>Status</th><th>Type</th><th>Host</th><th /></tr></thead>
          <tbody>
            {page.map((v) => (
              <tr key={v.id} data-volume-id={v.id}>
                <td title={v.id}>{v.name || v.id.slice(0, 8)}</td>
                <td>{v.size} GiB</td>
                <td><span class={`status ${statusClass(v.status)}`}>{v.status}</span>
                  {progress[v.id]?.percent != null && <span class="muted"> {progress[v.id]!.operation} {Math.round(progress[v.id]!.percent!)}%</span>}</td>
                <td>{v.volume_type ?? ''}</td>
                <td class="muted">{v['os-vol-host-attr:host'] ?? ''}</td>
                <td class="actions">
                  <button onClick={() => { const n = prompt(`New size for ${v.name || v.id} (GiB)`, String(v.size + 1)); if (n) void act(() => call(session, 'POST', `/volumes/${v.id}/action`, { 'os-extend': { new_size: Number(n) } })); }}>Extend</button>
                  <button onClick={() => void act(() => call(session, 'POST', '/snapshots', { snapshot: { volume_id: v.id, name: `${v.name || 'snap'}-${Date.now()}`, force: v.status === 'in-use' } }))}>Snapshot</button>
                  <button onClick={() => setDetail(detail?.id === v.id ? null : v)}>Attachments</button>
                  <button onClick={() => onExplain(v)}>Why here?</button>
                  <button class="danger" onClick={() => { if (confirm(`Delete volume ${v.name || v.id}?`)) void act(() => call(session, 'DELETE', `/volumes/${v.id}`)); }}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {volumes && page.length === 0 && <p>No volumes.</p>}
      <div class="pager">
        <button disabled={markers.length === 0} onClick={() => setMarkers(markers.slice(0, -1))}>← Previous</button>
        <button disabled={!hasNext} onClick={() => setMarkers([...markers, page[page.length - 1]!.id])}>Next →</button>
      </div>
      {detail && <Attachments volume={detail} />}
    </section>
  );
}

function Attachments({ volume }: { volume: Volume }) {
  return (
    <div class="panel" id="attachments">
      <h3>Attachments of {volume.name || volume.id}</h3>
      {volume.attachments.length === 0 ? <p>Not attached.</p> : (
        <table><thead><tr><th>Attachment</th><th>Host</th><th>Server</th><th>Device</th></tr></thead>
          <tbody>{volume.attachments.map((a) => <tr key={a.attachment_id}><td>{a.attachment_id}</td><td>{a.host_name ?? ''}</td><td>{a.server_id ?? ''}</td><td>{a.device ?? ''}</td></tr>)}</tbody>
        </table>
      )}
    </div>
  );
}

function CreateVolume({ session, onCreated, onError }: { session: Session; onCreated(): void; onError(m: string | null): void }) {
  const [name, setName] = useState('');
  const [size, setSize] = useState('1');
  const [type, setType] = useState('');
  const [types, setTypes] = useState<Array<{ id: string; name: string }>>([]);
  useEffect(() => { call<{ volume_types: Array<{ id: string; name: string }> }>(session, 'GET', '/types').then((r) => setTypes(r.volume_types), () => setTypes([])); }, [session]);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await call(session, 'POST', '/volumes', { volume: { name: name || null, size: Number(size), ...(type ? { volume_type: type } : {}) } });
      setName('');
      onError(null);
      onCreated();
    } catch (err) {
      onError((err as Error).message);
    }
  };
  return (
    <form class="create" onSubmit={submit} aria-label="create volume">
      <input placeholder="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} aria-label="volume name" />
      <input type="number" min="1" value={size} onInput={(e) => setSize((e.target as HTMLInputElement).value)} aria-label="size in GiB" />
      <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)} aria-label="volume type">
        <option value="">default type</option>
        {types.map((t) => <option key={t.id} value={t.name}>{t.name}</option>)}
      </select>
      <button type="submit">Create volume</button>
    </form>
  );
}
