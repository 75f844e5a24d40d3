// The `netapp_ca_cert` option, read once at set-up: the PEM both NetApp families trust for HTTPS.
import { readFileSync } from 'node:fs';
import type { Options } from '../../../config/options.js';
import { ConfigError } from '../../../errors/errors.js';

/** The CA certificate's PEM, or undefined when the option is unset; an unreadable file stops set-up. */
export function readCaCert(opt: Options, section: string): string | undefined {
  const caPath = opt.optStr('netapp_ca_cert');
  if (!caPath) return undefined;
  try {
    return readFileSync(caPath, 'utf8');
  } catch (e) {
    throw new ConfigError(`Option netapp_ca_cert in section [${section}]: cannot read ${caPath}: ${(e as Error).message}`);
  }
}
