// The netapp_eseries driver's own options (Cinder's netapp_* names), declared once for the registry.
import type { OptionSpec } from '../../../config/options.js';

export const ESERIES_OPTIONS: readonly OptionSpec[] = [
  { name: 'netapp_transport_type', type: 'enum', default: 'http', choices: ['http', 'https'], help: 'Transport to SANtricity Web Services.' },
  { name: 'netapp_server_hostname', type: 'string', required: true, help: 'Address of Web Services (a controller, or the proxy).' },
  { name: 'netapp_server_port', type: 'int', default: null, min: 1, max: 65535, help: 'Web Services port; 8080 (http) or 8443 (https) when unset.' },
  { name: 'netapp_webservice_path', type: 'string', default: '/devmgr/v2', help: 'Path of the Web Services REST API.' },
  { name: 'netapp_login', type: 'string', required: true, help: 'Web Services user.' },
  { name: 'netapp_password', type: 'string', required: true, secret: true, help: 'Password of netapp_login.' },
  { name: 'netapp_controller_ips', type: 'list', default: [], help: 'Management addresses of the array controllers (required through the proxy).' },
  { name: 'netapp_sa_password', type: 'string', default: null, secret: true, help: 'The array password, stored in the proxy.' },
  { name: 'netapp_pool_name_search_pattern', type: 'string', default: '(.+)', help: 'Regular expression storage pool labels must match to be pools.' },
  { name: 'netapp_host_type', type: 'string', default: 'linux_dm_mp', help: 'Host type of created hosts (Cinder names: linux_dm_mp, linux_atto, vmware, windows…).' },
  { name: 'netapp_enable_multiattach', type: 'bool', default: false, help: 'Allow a volume on several hosts through the cinder-multi-attach host group.' },
  { name: 'netapp_ca_cert', type: 'string', default: null, help: 'PEM CA bundle trusted for the Web Services certificate.' },
  { name: 'netapp_ssl_cert_verify', type: 'bool', default: true, help: 'Verify the Web Services TLS certificate.' },
  { name: 'netapp_api_tries', type: 'int', default: 3, min: 1, max: 10, help: 'Attempts for a call failing with a transient fault.' },
  { name: 'netapp_api_timeout', type: 'int', default: 60, min: 1, help: 'Seconds to wait for one API reply.' },
  { name: 'netapp_api_retry_backoff_ms', type: 'int', default: 250, min: 0, help: 'First retry delay in milliseconds (grows per attempt).' },
  { name: 'netapp_system_wait_seconds', type: 'int', default: 120, min: 1, help: 'How long set-up waits for the proxy to contact the array.' },
  { name: 'netapp_copy_timeout', type: 'int', default: 3600, min: 1, help: 'Seconds a volume copy job (clone, volume from snapshot) may run.' },
];

/** Cinder's netapp_host_type names → the array's host type codes. */
export const HOST_TYPE_CODES: Record<string, string> = {
  aix: 'AIX MPIO', avt: 'AVT_4M', factoryDefault: 'FactoryDefault', hpux: 'HP-UX TPGS', linux_atto: 'LnxTPGSALUA', linux_dm_mp: 'LnxALUA',
  linux_mpp_rdac: 'Linux', linux_pathmanager: 'LnxTPGSALUA_PM', macos: 'MacTPGSALUA', ontap: 'ONTAP', svc: 'SVC', solaris_v11: 'SolTPGSALUA',
  solaris_v10: 'Solaris', vmware: 'VmwTPGSALUA', windows: 'W2KNETNCL', windows_atto: 'WinTPGSALUA', windows_clustered: 'W2KNETCL',
};
