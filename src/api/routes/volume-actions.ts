// POST /volumes/{id}/action: every status-changing volume action, each handed to the volume or legacy attach operations.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { Conflict, InvalidInput } from '../../errors/errors.js';
import { parseBoolean, requireAdmin } from '../http.js';
import { atLeast, fmt, VersionNotFoundForMethod } from '../microversion.js';
import { getVolumeRecord } from '../../db/repos/volumes.js';
import { IdParams, toSize } from './common.schema.js';
import { VolumeActionBody } from './volume-actions.schema.js';
import { setImageMetadata, showImageMetadata, unsetImageMetadata } from '../../volume/image-metadata.js';

const ADMIN_ACTIONS = new Set(['os-reset_status', 'os-force_delete', 'os-force_detach', 'os-unmanage', 'os-migrate_volume', 'os-migrate_volume_completion']);

export function volumeActionRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/v3/:projectId/volumes/:id/action', { schema: { params: IdParams, body: VolumeActionBody } }, async (req, reply) => {
    const { id } = req.params;
    const body = req.body;
    const action = Object.keys(body)[0]!;
    if (ADMIN_ACTIONS.has(action)) requireAdmin(req, `volume action ${action}`);
    const vol = await getVolumeRecord(deps.db.kysely, req.ctx, id);
    const ops = deps.volumes;
    const ctx = req.ctx;
    reply.code(202);
    switch (action) {
      case 'os-extend': {
        const newSize = toSize(body['os-extend']!.new_size, 'os-extend.new_size');
        if (newSize <= vol.size) throw new InvalidInput(`Invalid input for field/attribute os-extend.new_size: new size ${newSize} must be greater than the current size ${vol.size}.`);
        // Extending an attached volume is a 3.42 feature; older clients may only extend available ones.
        if (vol.status === 'in-use' && !atLeast(req.apiVersion, '3.42')) {
          throw new Conflict(`Volume ${id} is in-use; extending an attached volume needs microversion 3.42 or later (requested ${fmt(req.apiVersion)}).`);
        }
        await ops.extendVolume(ctx, id, newSize);
        return reply.send();
      }
      case 'os-reset_status': {
        const r = body['os-reset_status']!;
        await ops.resetVolumeStatus(ctx, id, {
          ...(r.status ? { status: r.status } : {}),
          ...(r.attach_status ? { attachStatus: r.attach_status } : {}),
          ...(r.migration_status ? { migrationStatus: r.migration_status } : {}),
        });
        return reply.send();
      }
      case 'os-force_delete':
        await ops.deleteVolume(ctx, id, { force: true });
        return reply.send();
      case 'os-reserve':
        await ops.reserve(ctx, id);
        return reply.send();
      case 'os-unreserve':
        await ops.unreserve(ctx, id);
        return reply.send();
      case 'os-begin_detaching':
        await ops.beginDetaching(ctx, id);
        return reply.send();
      case 'os-roll_detaching':
        await ops.rollDetaching(ctx, id);
        return reply.send();
      case 'os-unmanage':
        await ops.unmanageVolume(ctx, id);
        return reply.send();
      case 'os-initialize_connection': {
        const info = await ops.initializeConnection(ctx, id, body['os-initialize_connection']!.connector);
        reply.code(200);
        return { connection_info: info };
      }
      case 'os-terminate_connection':
        await ops.terminateConnection(ctx, id, body['os-terminate_connection']!.connector);
        return reply.send();
      case 'os-attach': {
        const a = body['os-attach']!;
        if (!a.instance_uuid && !a.host_name) throw new InvalidInput('Invalid input for field/attribute os-attach: instance_uuid or host_name is required.');
        await ops.attach(ctx, id, { instanceUuid: a.instance_uuid ?? null, hostName: a.host_name ?? null, mountpoint: a.mountpoint, mode: a.mode ?? 'rw' });
        return reply.send();
      }
      case 'os-detach':
        await ops.detach(ctx, id, body['os-detach']?.attachment_id ?? null);
        return reply.send();
      case 'os-force_detach': {
        const f = body['os-force_detach'];
        await ops.forceDetach(ctx, id, f?.attachment_id ?? null, f?.connector ?? null);
        return reply.send();
      }
      case 'os-set_bootable':
        await ops.setBootable(ctx, id, parseBoolean(body['os-set_bootable']!.bootable, 'os-set_bootable.bootable'));
        reply.code(200);
        return reply.send();
      case 'os-update_readonly_flag':
        await ops.setReadonly(ctx, id, parseBoolean(body['os-update_readonly_flag']!.readonly, 'os-update_readonly_flag.readonly'));
        return reply.send();
      case 'revert': {
        if (!atLeast(req.apiVersion, '3.40')) {
          throw new VersionNotFoundForMethod(`API version ${fmt(req.apiVersion)} does not support the revert action; it needs 3.40 or later.`);
        }
        await ops.revertToSnapshot(ctx, id, body.revert!.snapshot_id);
        return reply.send();
      }
      case 'os-volume_upload_image': {
        const u = body['os-volume_upload_image']!;
        const diskFormat = u.disk_format ?? 'raw';
        await ops.uploadToImage(ctx, id, u.image_name, diskFormat);
        return {
          'os-volume_upload_image': {
            id, updated_at: vol.updatedAt, status: 'uploading', display_description: vol.displayDescription, size: vol.size,
            volume_type: vol.volumeTypeName, image_id: u.image_name, container_format: 'bare', disk_format: diskFormat, image_name: u.image_name,
          },
        };
      }
      case 'os-retype': {
        const r = body['os-retype']!;
        await ops.retypeVolume(ctx, id, r.new_type, r.migration_policy ?? 'never');
        return reply.send();
      }
      case 'os-migrate_volume': {
        const m = body['os-migrate_volume']!;
        if (m.cluster && !atLeast(req.apiVersion, '3.16')) throw new InvalidInput('Invalid input for field/attribute os-migrate_volume.cluster: it needs microversion 3.16 or later.');
        if (m.cluster) throw new InvalidInput('Invalid input for field/attribute os-migrate_volume.cluster: Flint has no clusters; name a host.');
        if (!m.host) throw new InvalidInput('Invalid input for field/attribute os-migrate_volume.host: a destination host is required.');
        // Cinder's host-assisted copy (attach both volumes, copy the bytes) is not built yet: say so rather than migrate another way.
        if (m.force_host_copy !== undefined && parseBoolean(m.force_host_copy, 'os-migrate_volume.force_host_copy')) {
          throw new InvalidInput('Invalid input for field/attribute os-migrate_volume.force_host_copy: host-assisted copy migration is not supported; omit it to let the backend driver migrate the volume.');
        }
        await ops.migrateVolume(ctx, id, m.host);
        return reply.send();
      }
      case 'os-migrate_volume_completion':
        return ops.migrateVolumeCompletion(ctx, id, body['os-migrate_volume_completion']!.new_volume);
      case 'os-reimage': {
        if (!atLeast(req.apiVersion, '3.68')) {
          throw new VersionNotFoundForMethod(`API version ${fmt(req.apiVersion)} does not support the os-reimage action; it needs 3.68 or later.`);
        }
        const r = body['os-reimage']!;
        const reserved = r.reimage_reserved !== undefined && parseBoolean(r.reimage_reserved, 'os-reimage.reimage_reserved');
        await ops.reimageVolume(ctx, id, r.image_id, reserved);
        return reply.send();
      }
      case 'os-set_image_metadata':
        reply.code(200);
        return { metadata: await setImageMetadata(deps.db, ctx, id, body['os-set_image_metadata']!.metadata) };
      case 'os-unset_image_metadata':
        await unsetImageMetadata(deps.db, ctx, id, body['os-unset_image_metadata']!.key);
        reply.code(200);
        return reply.send();
      case 'os-show_image_metadata':
        reply.code(200);
        return { metadata: await showImageMetadata(deps.db, ctx, id) };
      default:
        throw new InvalidInput(`Unknown volume action '${action.slice(0, 64)}'.`);
    }
  });
}
