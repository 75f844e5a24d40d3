// Picks the auth strategy named by the configuration.
import type { AuthConfig } from '../deps.js';
import type { Authenticator } from './authenticator.js';
import { KeystoneAuth } from './keystone.js';
import { NoAuth } from './noauth.js';

export function createAuthenticator(config: AuthConfig): Authenticator {
  return config.strategy === 'keystone' ? new KeystoneAuth(config) : new NoAuth();
}
