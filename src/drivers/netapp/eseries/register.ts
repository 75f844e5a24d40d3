// Registers the netapp_eseries volume driver (E-Series iSCSI over SANtricity Web Services).
import { registerDriver } from '../../registry.js';
import { ESERIES_OPTIONS } from './eseries-options.js';

registerDriver({
  name: 'netapp_eseries',
  description: 'NetApp E-Series volumes over iSCSI, managed through SANtricity Web Services (embedded or proxy).',
  options: ESERIES_OPTIONS,
  load: async () => {
    const { EseriesIscsiDriver } = await import('./eseries-iscsi-driver.js');
    return (ctx) => new EseriesIscsiDriver(ctx);
  },
});
