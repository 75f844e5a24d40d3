// Who the caller is: the identity an auth strategy derives from a request's headers.
import { FlintError } from '../../errors/errors.js';

export interface Identity {
  userId: string;
  /** The project the credentials are scoped to; null means "whatever the URL says" (noauth). */
  projectId: string | null;
  roles: string[];
  isAdmin: boolean;
  /** noauth: the project a `user:project` token names, used when a URL has none (3.67). */
  tokenProject?: string;
}

export interface Authenticator {
  /** Throws Unauthorized when the credentials are missing or invalid. */
  authenticate(headers: Record<string, string | string[] | undefined>): Promise<Identity>;
  /** WWW-Authenticate value for 401 responses. */
  wwwAuthenticate(): string;
}

/** The identity service could not be asked; not the caller's fault, and not a Flint bug. */
export class AuthServiceUnavailable extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'auth_unavailable';
  override readonly httpStatus = 503;
}

export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
