// Password login for the dashboard: asks Keystone for a project-scoped token on the user's
// behalf, so the browser needs no cross-origin access to Keystone. The password goes to
// Keystone only; it is neither kept nor logged.
import { Unauthorized } from '../../errors/errors.js';
import { AuthServiceUnavailable } from './authenticator.js';

export interface LoginRequest { username: string; password: string; project: string; domain: string }
export interface LoginResult { token: string; projectId: string; expiresAt: string | null }

export async function keystonePasswordLogin(keystoneUrl: string, r: LoginRequest): Promise<LoginResult> {
  let res: Response;
  try {
    res = await fetch(`${keystoneUrl.replace(/\/+$/, '').replace(/\/v3$/, '')}/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: r.username, password: r.password, domain: { name: r.domain } } } },
          scope: { project: { name: r.project, domain: { name: r.domain } } },
        },
      }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new AuthServiceUnavailable('Keystone could not be reached to log in.', { cause: e });
  }
  const token = res.headers.get('x-subject-token');
  if (res.status === 401 || res.status === 404) {
    throw new Unauthorized('Login refused: wrong user name or password, or the user has no role on that project.');
  }
  if (res.status !== 201 || !token) throw new AuthServiceUnavailable(`Keystone answered ${res.status} to the login.`);
  const body = (await res.json().catch(() => ({}))) as { token?: { project?: { id?: string }; expires_at?: string } };
  const projectId = body.token?.project?.id;
  if (!projectId) throw new AuthServiceUnavailable('Keystone returned a token without a project.');
  return { token, projectId, expiresAt: body.token?.expires_at ?? null };
}
