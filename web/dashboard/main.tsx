// Flint's dashboard: one page, Preact components over the Block Storage v3 API. Preact keeps
// the bundle at a few kilobytes while giving components and state; esbuild (already Flint's
// build tool) bundles it, and Flint serves it itself, so there is no separate server.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Session, Volume } from './api';
import { Pools } from './pools';
import { Volumes } from './volumes';
import { Messages } from './messages';
import { Explain } from './explain';
import { Login } from './login';
import { Shares } from './shares';

const REFRESH_MS = 2000;

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [tick, setTick] = useState(0);
  const [explain, setExplain] = useState<Volume | null>(null);
  const [boot, setBoot] = useState<{ auth: 'noauth' | 'keystone' } | null>(null);

  useEffect(() => {
    void fetch('/dashboard/config').then((r) => r.json()).then((c: { auth: 'noauth' | 'keystone' }) => {
      setBoot(c);
      const saved = sessionStorage.getItem('flint-session');
      if (c.auth === 'noauth') setSession({ auth: 'noauth', token: null, projectId: 'admin' });
      else if (saved) setSession(JSON.parse(saved) as Session);
    });
  }, []);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(t);
  }, []);

  if (!boot) return <p>Loading…</p>;
  if (!session) {
    return <Login onLogin={(s) => { sessionStorage.setItem('flint-session', JSON.stringify(s)); setSession(s); }} />;
  }
  const refresh = () => setTick((n) => n + 1);
  return (
    <>
      <header>
        <h1>Flint</h1>
        <span class="muted">project {session.projectId} · {session.auth}</span>
        {session.auth === 'keystone' && <button onClick={() => { sessionStorage.removeItem('flint-session'); setSession(null); }}>Log out</button>}
      </header>
      <main>
        <Pools session={session} tick={tick} />
        <Volumes session={session} tick={tick} onChange={refresh} onExplain={setExplain} />
        {explain && <Explain session={session} volume={explain} onClose={() => setExplain(null)} />}
        <Shares session={session} tick={tick} onChange={refresh} />
        <Messages session={session} tick={tick} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
