// Builds a netapp_eseries driver wired to a running E-Series simulator, for tests and the bench.
import { COMMON_BACKEND_OPTIONS } from '../../../src/config/driver-options.js';
import { resolveOptions } from '../../../src/config/options.js';
import { ESERIES_OPTIONS } from '../../../src/drivers/netapp/eseries/eseries-options.js';
import { EseriesIscsiDriver } from '../../../src/drivers/netapp/eseries/eseries-iscsi-driver.js';
import { logger as rootLogger, type Logger } from '../../../src/util/logger.js';
import { driverContext } from '../ontap/ontap-driver-fixture.js';
import type { EseriesSimulator } from './eseries-simulator.js';

/** The raw INI-style options a section for `sim` would hold. */
export function esSimOptions(sim: EseriesSimulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    volume_driver: 'netapp_eseries',
    netapp_transport_type: 'http',
    netapp_server_hostname: '127.0.0.1',
    netapp_server_port: String(sim.port),
    netapp_login: sim.username,
    netapp_password: sim.password,
    ...(sim.mode === 'proxy' ? { netapp_controller_ips: sim.controllerAddresses.join(','), netapp_sa_password: sim.arrayPassword } : {}),
    use_chap_auth: 'false',
    netapp_api_retry_backoff_ms: '5',
    netapp_api_timeout: '5',
    ...extra,
  };
}

export function makeEseriesDriver(sim: EseriesSimulator, extra: Record<string, string> = {}, section = 'eseries', logger: Logger = rootLogger): EseriesIscsiDriver {
  const values = resolveOptions(section, esSimOptions(sim, extra), [...COMMON_BACKEND_OPTIONS, ...ESERIES_OPTIONS]);
  return new EseriesIscsiDriver(driverContext(section, values, logger));
}
