// The netapp_ontap driver's own options (Cinder's netapp_* names), declared once for the registry.
import type { OptionSpec } from '../../../config/options.js';

export const ONTAP_OPTIONS: readonly OptionSpec[] = [
  { name: 'netapp_family', type: 'enum', default: 'ontap_cluster', choices: ['ontap_cluster', 'ontap_7mode'], help: 'ONTAP family: cluster mode or 7-mode.' },
  { name: 'netapp_api', type: 'enum', default: 'zapi', choices: ['zapi', 'rest'], help: 'Management API: ZAPI, or ONTAP REST (cluster mode only).' },
  { name: 'netapp_storage_protocol', type: 'enum', default: 'iscsi', choices: ['iscsi'], help: 'Storage protocol used to reach LUNs.' },
  { name: 'netapp_transport_type', type: 'enum', required: true, choices: ['http', 'https'], help: 'Transport to the management interface.' },
  { name: 'netapp_login', type: 'string', required: true, help: 'Administrative user on the storage system.' },
  { name: 'netapp_password', type: 'string', required: true, secret: true, help: 'Password of netapp_login.' },
  { name: 'netapp_server_hostname', type: 'string', required: true, help: 'Management address of the storage system or proxy.' },
  { name: 'netapp_server_port', type: 'int', required: true, min: 1, max: 65535, help: 'Management port (80/443 usually).' },
  { name: 'netapp_ca_cert', type: 'string', default: null, help: 'PEM CA bundle trusted for the management certificate.' },
  { name: 'netapp_ssl_cert_verify', type: 'bool', default: true, help: 'Verify the management TLS certificate.' },
  { name: 'netapp_vfiler', type: 'string', default: null, help: '7-mode vFiler that hosts the LUNs.' },
  { name: 'netapp_vserver', type: 'string', default: null, help: 'Cluster-mode SVM that hosts the LUNs (required in cluster mode).' },
  { name: 'netapp_size_multiplier', type: 'float', default: 1.2, min: 1, help: 'Requested size is multiplied by this before checking a FlexVol has room.' },
  { name: 'netapp_volume_list', type: 'list', default: [], help: 'FlexVols that may hold LUNs (7-mode; all when empty).' },
  { name: 'netapp_pool_name_search_pattern', type: 'string', default: '(.+)', help: 'Regular expression FlexVol names must match to be pools.' },
  { name: 'netapp_lun_ostype', type: 'string', default: 'linux', help: 'OS type of created LUNs and igroups.' },
  { name: 'netapp_host_type', type: 'string', default: null, help: 'OS type for igroups; netapp_lun_ostype when unset.' },
  { name: 'netapp_lun_space_reservation', type: 'enum', default: 'enabled', choices: ['enabled', 'disabled'], help: 'Create LUNs thick (enabled) or thin (disabled).' },
  { name: 'netapp_api_tries', type: 'int', default: 3, min: 1, max: 10, help: 'Attempts for a call failing with a transient fault.' },
  { name: 'netapp_api_timeout', type: 'int', default: 60, min: 1, help: 'Seconds to wait for one API reply.' },
  { name: 'netapp_api_retry_backoff_ms', type: 'int', default: 250, min: 0, help: 'First retry delay in milliseconds (grows per attempt).' },
];
