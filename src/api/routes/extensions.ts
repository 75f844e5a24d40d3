// /v3/{project_id}/extensions: the Cinder API extensions Flint answers, by Cinder's names, so
// clients that look an extension up before using it find it.
import type { FastifyInstance } from 'fastify';
import { ProjectParams } from './common.schema.js';

interface Extension { alias: string; name: string; description: string }

const UPDATED = '2013-04-18T00:00:00+00:00';
const EXTENSIONS: readonly Extension[] = [
  { alias: 'os-admin-actions', name: 'AdminActions', description: 'Enable admin actions.' },
  { alias: 'os-availability-zone', name: 'AvailabilityZones', description: 'Describe Availability Zones.' },
  { alias: 'capabilities', name: 'Capabilities', description: 'Capabilities support.' },
  { alias: 'os-extended-snapshot-attributes', name: 'ExtendedSnapshotAttributes', description: 'Extended SnapshotAttributes support.' },
  { alias: 'os-hosts', name: 'Hosts', description: 'Admin-only host administration.' },
  { alias: 'os-quota-class-sets', name: 'Quota_classes', description: 'Quota classes management support.' },
  { alias: 'os-quota-sets', name: 'Quotas', description: 'Quota management support.' },
  { alias: 'os-services', name: 'Services', description: 'Services support.' },
  { alias: 'os-snapshot-actions', name: 'SnapshotActions', description: 'Enable snapshot manager actions.' },
  { alias: 'os-snapshot-manage', name: 'SnapshotManage', description: 'Allows existing backend storage to be managed by Cinder.' },
  { alias: 'os-snapshot-unmanage', name: 'SnapshotUnmanage', description: 'Enable volume unmanage operation.' },
  { alias: 'os-types-extra-specs', name: 'TypesExtraSpecs', description: 'Type extra specs support.' },
  { alias: 'os-types-manage', name: 'TypesManage', description: 'Types manage support.' },
  { alias: 'os-volume-actions', name: 'VolumeActions', description: 'Enable volume actions.' },
  { alias: 'os-volume-encryption-metadata', name: 'VolumeEncryptionMetadata', description: 'Volume encryption metadata.' },
  { alias: 'os-vol-host-attr', name: 'VolumeHostAttribute', description: 'Expose host as an attribute of a volume.' },
  { alias: 'os-vol-image-meta', name: 'VolumeImageMetadata', description: 'Show image metadata associated with the volume.' },
  { alias: 'os-volume-manage', name: 'VolumeManage', description: 'Allows existing backend storage to be managed by Cinder.' },
  { alias: 'os-vol-mig-status-attr', name: 'VolumeMigStatusAttribute', description: 'Expose migration_status as an attribute of a volume.' },
  { alias: 'os-vol-tenant-attr', name: 'VolumeTenantAttribute', description: 'Expose the internal project_id as an attribute of a volume.' },
  { alias: 'os-volume-transfer', name: 'VolumeTransfer', description: 'Volume transfer management support.' },
  { alias: 'os-volume-type-access', name: 'VolumeTypeAccess', description: 'Volume type access support.' },
  { alias: 'encryption', name: 'VolumeTypeEncryption', description: 'Encryption support for volume types.' },
  { alias: 'os-volume-unmanage', name: 'VolumeUnmanage', description: 'Enable volume unmanage operation.' },
  { alias: 'qos-specs', name: 'Qos_specs_manage', description: 'QoS specs support.' },
  { alias: 'scheduler-stats', name: 'Scheduler_stats', description: 'Scheduler stats support.' },
];

export function extensionRoutes(app: FastifyInstance): void {
  app.get('/v3/:projectId/extensions', { schema: { params: ProjectParams } }, async () => ({
    extensions: EXTENSIONS.map((e) => ({ ...e, namespace: `https://docs.openstack.org/volume/ext/${e.alias}/api/v1`, updated: UPDATED, links: [] })),
  }));
}
