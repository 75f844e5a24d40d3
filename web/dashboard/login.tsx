// Keystone login: Flint asks Keystone for a project-scoped token on the user's behalf
// (POST /dashboard/login), so the browser never talks to Keystone across origins.
import { useState } from 'preact/hooks';
import type { Session } from './api';

export function Login({ onLogin }: { onLogin(s: Session): void }) {
  const [form, setForm] = useState({ username: '', password: '', project: '', domain: 'Default' });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await fetch('/dashboard/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(form) });
    const body = await r.json() as { token?: string; project_id?: string } & Record<string, { message?: string }>;
    if (!r.ok || !body.token || !body.project_id) {
      setError((Object.values(body)[0] as { message?: string } | undefined)?.message ?? `login failed (HTTP ${r.status})`);
      return;
    }
    onLogin({ auth: 'keystone', token: body.token, projectId: body.project_id });
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>Flint</h1>
      <input placeholder="user" value={form.username} onInput={set('username')} aria-label="user" autoComplete="username" />
      <input placeholder="password" type="password" value={form.password} onInput={set('password')} aria-label="password" autoComplete="current-password" />
      <input placeholder="project" value={form.project} onInput={set('project')} aria-label="project" />
      <input placeholder="domain" value={form.domain} onInput={set('domain')} aria-label="domain" />
      <button type="submit">Log in</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
