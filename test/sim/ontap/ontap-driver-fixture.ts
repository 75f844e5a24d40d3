// Builds a netapp_ontap driver wired to a running simulator, for tests and the bench.
import type { DriverContext } from '../../../src/drivers/interface/core.js';
import { COMMON_BACKEND_OPTIONS } from '../../../src/config/driver-options.js';
import { resolveOptions, type OptionValue } from '../../../src/config/options.js';
import { ONTAP_OPTIONS } from '../../../src/drivers/netapp/ontap/ontap-options.js';
import { OntapIscsiDriver } from '../../../src/drivers/netapp/ontap/ontap-iscsi-driver.js';
import { logger as rootLogger, type Logger } from '../../../src/util/logger.js';
import type { Executor } from '../../../src/exec/executor.js';
import type { OntapSimulator } from './ontap-simulator.js';

export type OntapFlavour = 'cmode-zapi' | '7mode-zapi' | 'cmode-rest';

const noExec: Executor = { run: async () => { throw new Error('the ONTAP driver runs no commands'); } };

/** The raw INI-style options a section for `sim` would hold. */
export function simOptions(sim: OntapSimulator, flavour: OntapFlavour, extra: Record<string, string> = {}): Record<string, string> {
  return {
    volume_driver: 'netapp_ontap',
    netapp_family: flavour === '7mode-zapi' ? 'ontap_7mode' : 'ontap_cluster',
    netapp_api: flavour === 'cmode-rest' ? 'rest' : 'zapi',
    netapp_transport_type: 'http',
    netapp_login: sim.username,
    netapp_password: sim.password,
    netapp_server_hostname: '127.0.0.1',
    netapp_server_port: String(sim.port),
    ...(flavour === '7mode-zapi' ? {} : { netapp_vserver: sim.state.vserver }),
    netapp_pool_name_search_pattern: 'vol[0-9]+',
    use_chap_auth: 'false',
    netapp_api_retry_backoff_ms: '5',
    netapp_api_timeout: '5',
    ...extra,
  };
}

export function driverContext(section: string, values: Record<string, OptionValue>, logger: Logger = rootLogger): DriverContext {
  return { backendName: section, host: `test@${section}`, options: values, executor: noExec, logger, stateDir: '/tmp' };
}

export function makeOntapDriver(
  sim: OntapSimulator, flavour: OntapFlavour, extra: Record<string, string> = {}, section = 'ontap', logger: Logger = rootLogger,
): OntapIscsiDriver {
  const values = resolveOptions(section, simOptions(sim, flavour, extra), [...COMMON_BACKEND_OPTIONS, ...ONTAP_OPTIONS]);
  return new OntapIscsiDriver(driverContext(section, values, logger));
}
