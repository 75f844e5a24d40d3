// Cinder's noauth: every caller is an admin of the project in the URL; an
// `X-Auth-Token: user:project` names the user (and is otherwise trusted as is).
import { header, type Authenticator, type Identity } from './authenticator.js';

export class NoAuth implements Authenticator {
  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<Identity> {
    const token = header(headers, 'x-auth-token');
    let userId = 'admin';
    let tokenProject: string | undefined;
    if (token) {
      const [user, project] = token.split(':', 2);
      if (user) userId = user.slice(0, 255);
      if (project) tokenProject = project.slice(0, 255);
    }
    return { userId, projectId: null, roles: ['admin', 'member', 'reader'], isAdmin: true, ...(tokenProject ? { tokenProject } : {}) };
  }

  wwwAuthenticate(): string {
    return 'None';
  }
}
