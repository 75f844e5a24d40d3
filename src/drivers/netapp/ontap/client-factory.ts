// Builds the SAN client an ONTAP backend section asks for (family × API), from its options.
import { ConfigError } from '../../../errors/errors.js';
import type { Options } from '../../../config/options.js';
import type { Logger } from '../../../util/logger.js';
import type { OntapSanClient } from './client/san-client.js';
import { ZapiCmodeClient } from './client/zapi-cmode-client.js';
import { Zapi7modeClient } from './client/zapi-7mode-client.js';
import { OntapRestClient } from './rest/rest-client.js';
import { NaServer } from './zapi/na-server.js';
import { readCaCert } from '../common/ca-cert.js';

/** Options that must be set for set-up to start, in the order they are reported. */
export const REQUIRED_OPTIONS = ['netapp_transport_type', 'netapp_login', 'netapp_password', 'netapp_server_hostname', 'netapp_server_port'];

export function checkRequiredOptions(opt: Options, section: string): void {
  for (const name of REQUIRED_OPTIONS) {
    if (opt.optStr(name) === null) throw new ConfigError(`Missing required option ${name} in section [${section}].`);
  }
  const family = opt.str('netapp_family');
  if (family === 'ontap_cluster' && !opt.optStr('netapp_vserver')) {
    throw new ConfigError(`Missing required option netapp_vserver in section [${section}]: cluster mode needs the SVM that hosts the LUNs.`);
  }
  if (opt.str('netapp_api') === 'rest' && family !== 'ontap_cluster') {
    throw new ConfigError(`Invalid option netapp_api in section [${section}]: rest is only available with netapp_family = ontap_cluster.`);
  }
}

export function createSanClient(opt: Options, section: string, logger: Logger): OntapSanClient {
  checkRequiredOptions(opt, section);
  const caCert = readCaCert(opt, section);
  const common = {
    host: opt.str('netapp_server_hostname'),
    port: opt.int('netapp_server_port'),
    transportType: opt.str('netapp_transport_type') as 'http' | 'https',
    username: opt.str('netapp_login'),
    password: opt.str('netapp_password'),
    caCert,
    verify: opt.bool('netapp_ssl_cert_verify'),
    timeoutMs: opt.int('netapp_api_timeout') * 1000,
    tries: opt.int('netapp_api_tries'),
    backoffMs: opt.int('netapp_api_retry_backoff_ms'),
    logger,
  };
  if (opt.str('netapp_api') === 'rest') return new OntapRestClient({ ...common, vserver: opt.str('netapp_vserver') });
  if (opt.str('netapp_family') === 'ontap_7mode') {
    return new Zapi7modeClient(new NaServer({ ...common, vfiler: opt.optStr('netapp_vfiler') ?? undefined, apiVersion: { major: 1, minor: 7 } }));
  }
  return new ZapiCmodeClient(new NaServer({ ...common, vserver: opt.str('netapp_vserver') }));
}
