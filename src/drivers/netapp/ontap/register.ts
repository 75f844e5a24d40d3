// Registers the netapp_ontap volume driver (ONTAP iSCSI over ZAPI or REST).
import { registerDriver } from '../../registry.js';
import { ONTAP_OPTIONS } from './ontap-options.js';

registerDriver({
  name: 'netapp_ontap',
  description: 'NetApp ONTAP (cluster mode or 7-mode) LUNs over iSCSI, managed through ZAPI or ONTAP REST.',
  options: ONTAP_OPTIONS,
  load: async () => {
    const { OntapIscsiDriver } = await import('./ontap-iscsi-driver.js');
    return (ctx) => new OntapIscsiDriver(ctx);
  },
});
