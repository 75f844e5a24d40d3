// The volume manager's side of a backup or a restore: export the volume to the backup host's
// connector (for an in-use volume backed up with force, a temporary clone of it instead, so
// the backup never reads a device under writes) and undo all of it afterwards. The volume's
// status is the backup service's business (backing-up / restoring-backup); these flows only
// touch the export and the `exported` flag.
import type { VolumeRow } from '../../db/schema.js';
import { Clone, CreateFromSnapshot, ValidateConnector } from '../../drivers/interface/capabilities.js';
import type { ConnectionInfo, Connector, DriverVolume } from '../../drivers/interface/objects.js';
import { NotSupported, toFlintError } from '../../errors/errors.js';
import type { BackupAccess, TemporaryVolume } from '../../protocols/backup-access.js';
import { nowIso } from '../../util/clock.js';
import { toDriverSnapshot, toDriverVolume } from '../driver-objects.js';
import { getSnapshot } from '../../db/repos/snapshots.js';
import type { FlowDefinition, ManagerDeps } from './flow-handler.js';
import { providerFields } from './volume-context.js';

interface AccessCtx {
  deps: ManagerDeps;
  row: VolumeRow;
  dv: DriverVolume;
  connector: Connector;
  temporaryId: string | null;
  snapshotId: string | null;
  temporary: DriverVolume | null;
  info: ConnectionInfo | null;
  undo: TemporaryVolume | null;
}

async function load(deps: ManagerDeps, id: string, connector: Connector): Promise<AccessCtx | null> {
  const row = await deps.db.kysely.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  return { deps, row, dv: await toDriverVolume(deps.db.kysely, row, deps.templates), connector, temporaryId: null, snapshotId: null, temporary: null, info: null, undo: null };
}

function temporaryOf(ctx: { deps: ManagerDeps; dv: DriverVolume }, t: TemporaryVolume): DriverVolume {
  return {
    ...ctx.dv, id: t.id, name: (ctx.deps.templates.volume || 'volume-%s').replace('%s', t.id),
    providerLocation: t.providerLocation, providerAuth: t.providerAuth, providerId: t.providerId, otherAttachments: [],
  };
}

export const attachForBackupFlow: FlowDefinition<'attach_for_backup', AccessCtx> = {
  kind: 'attach_for_backup',
  async load(d, task, p) {
    const ctx = await load(d, task.resourceId, p.connector);
    if (ctx) Object.assign(ctx, { temporaryId: p.temporaryId, snapshotId: p.snapshotId ?? null });
    return ctx;
  },
  steps: [
    {
      // One step: a resumed attempt starts over, and the revert removes whatever half exists.
      name: 'export_to_backup_host',
      async run(ctx) {
        const { driver, backendName } = ctx.deps;
        if (ValidateConnector.is(driver)) driver.validateConnector(ctx.connector);
        let target = ctx.dv;
        if (ctx.temporaryId) {
          const t = temporaryOf(ctx, { id: ctx.temporaryId, providerLocation: null, providerAuth: null, providerId: null });
          ctx.temporary = t;
          if (ctx.snapshotId) {
            if (!CreateFromSnapshot.is(driver)) throw new NotSupported(backendName, 'backup of a snapshot (needs a volume from the snapshot)');
            const s = await getSnapshot(ctx.deps.db.kysely, null, ctx.snapshotId);
            Object.assign(t, providerFields(await driver.createVolumeFromSnapshot(t, await toDriverSnapshot(ctx.deps.db.kysely, s, ctx.deps.templates))));
          } else {
            if (!Clone.is(driver)) throw new NotSupported(backendName, 'backup of an in-use volume (needs a temporary clone)');
            Object.assign(t, providerFields(await driver.createClonedVolume(t, ctx.dv)));
          }
          target = t;
        }
        const u = providerFields(await driver.createExport(target, ctx.connector));
        Object.assign(target, u);
        if (!ctx.temporary) {
          await ctx.deps.db.kysely.updateTable('volumes').set({ ...u, exported: 1, updatedAt: nowIso() }).where('id', '=', ctx.row.id).execute();
        }
        ctx.info = await driver.initializeConnection(target, ctx.connector);
        if (ctx.temporary) {
          const t = ctx.temporary;
          ctx.undo = { id: t.id, providerLocation: t.providerLocation, providerAuth: t.providerAuth, providerId: t.providerId };
        }
      },
      async revert(ctx) {
        await detach(ctx, ctx.temporary ? { id: ctx.temporary.id, providerLocation: ctx.temporary.providerLocation, providerAuth: ctx.temporary.providerAuth, providerId: ctx.temporary.providerId } : null);
      },
    },
  ],
  async finish(_tx, _d, ctx): Promise<BackupAccess> {
    return { connectionInfo: ctx.info!, temporary: ctx.undo };
  },
  async giveUp() {
    // The backup service gets the error and fails the backup; the revert removed the export.
  },
};

async function detach(ctx: AccessCtx, temporary: TemporaryVolume | null): Promise<void> {
  const { driver, logger } = ctx.deps;
  if (temporary) {
    const t = temporaryOf(ctx, temporary);
    // Each undo step runs even when an earlier one finds nothing to undo.
    await driver.terminateConnection(t, ctx.connector).catch((e) => logger.warn({ volume: t.id, err: toFlintError(e).message }, 'terminate of a backup temporary failed'));
    await driver.removeExport(t).catch((e) => logger.warn({ volume: t.id, err: toFlintError(e).message }, 'remove export of a backup temporary failed'));
    await driver.deleteVolume(t);
    return;
  }
  await driver.terminateConnection(ctx.dv, ctx.connector);
  const live = await ctx.deps.db.kysely.selectFrom('attachments').select('id').where('volumeId', '=', ctx.row.id)
    .where('attachStatus', 'in', ['attaching', 'attached']).executeTakeFirst();
  if (live) return;
  await driver.removeExport(ctx.dv);
  await ctx.deps.db.kysely.updateTable('volumes').set({ exported: 0, updatedAt: nowIso() }).where('id', '=', ctx.row.id).execute();
}

export const detachForBackupFlow: FlowDefinition<'detach_for_backup', AccessCtx & { undoTemporary: TemporaryVolume | null }> = {
  kind: 'detach_for_backup',
  async load(d, task, p) {
    const ctx = await load(d, task.resourceId, p.connector);
    return ctx ? { ...ctx, undoTemporary: p.temporary } : null;
  },
  steps: [{ name: 'remove_backup_export', run: (ctx) => detach(ctx, ctx.undoTemporary) }],
  async finish() {
    return null;
  },
  async giveUp() {
    // The backup service retries at its next start (the backup row still names the work).
  },
};
