// Export and connection flows: create the export when the first host connects, return
// the driver's connection info, and remove the export when the last host leaves.
import type { VolumeRow } from '../../db/schema.js';
import { ValidateConnector } from '../../drivers/interface/capabilities.js';
import type { ConnectionInfo, Connector, DriverAttachment, DriverVolume } from '../../drivers/interface/objects.js';
import { dropAttachmentRow } from '../../db/repos/attachments.js';
import { toDriverVolume } from '../driver-objects.js';
import { nowIso } from '../../util/clock.js';
import type { FlowDefinition, ManagerDeps } from './flow-handler.js';

interface ConnCtx {
  deps: ManagerDeps;
  row: VolumeRow;
  dv: DriverVolume;
  connector: Connector | null;
  attachmentId: string | null;
  exportOnly: boolean;
  info: ConnectionInfo | null;
  dropAttachment: boolean;
}

async function load(deps: ManagerDeps, id: string, connector: Connector | null, attachmentId: string | null,
  opts: { exportOnly?: boolean; dropAttachment?: boolean } = {}): Promise<ConnCtx | null> {
  const row = await deps.db.kysely.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  return {
    deps, row, dv: await toDriverVolume(deps.db.kysely, row, deps.templates), connector, attachmentId,
    exportOnly: opts.exportOnly ?? false, info: null, dropAttachment: opts.dropAttachment ?? false,
  };
}

export const initializeConnectionFlow: FlowDefinition<'initialize_connection', ConnCtx> = {
  kind: 'initialize_connection',
  load: (d, task, p) => load(d, task.resourceId, p.connector, p.attachmentId),
  steps: [
    {
      name: 'validate_connector',
      async run(ctx) {
        if (ValidateConnector.is(ctx.deps.driver)) ctx.deps.driver.validateConnector(ctx.connector!);
      },
    },
    {
      name: 'create_export',
      async run(ctx) {
        const u = await ctx.deps.driver.createExport(ctx.dv, ctx.connector);
        const set: Partial<VolumeRow> = { exported: 1 };
        if (u?.providerLocation !== undefined) set.providerLocation = u.providerLocation;
        if (u?.providerAuth !== undefined) set.providerAuth = u.providerAuth;
        if (u?.providerId !== undefined) set.providerId = u.providerId;
        Object.assign(ctx.dv, set);
        await ctx.deps.db.kysely.updateTable('volumes').set({ ...set, updatedAt: nowIso() }).where('id', '=', ctx.row.id).execute();
      },
    },
    {
      name: 'initialize_connection',
      async run(ctx) {
        ctx.info = await ctx.deps.driver.initializeConnection(ctx.dv, ctx.connector!);
      },
    },
  ],
  async finish(_tx, _d, ctx) {
    return ctx.info;
  },
  async giveUp() {
    // Nothing changed status: the caller gets the error.
  },
};

/** The volume's live attachments other than the one being terminated (the legacy call names none: the first with this initiator). */
async function otherAttachments(deps: ManagerDeps, volumeId: string, connector: Connector | null, attachmentId: string | null): Promise<DriverAttachment[]> {
  const rows = await deps.db.kysely.selectFrom('attachments').select(['id', 'attachedHost', 'connector']).where('volumeId', '=', volumeId)
    .where('attachStatus', 'in', ['attaching', 'attached']).orderBy('createdAt').execute();
  const all = rows.map((r) => ({ id: r.id, host: r.attachedHost, connector: r.connector ? (JSON.parse(r.connector) as Connector) : null }));
  const self = attachmentId ?? all.find((a) => connector?.initiator !== undefined && a.connector?.initiator === connector.initiator)?.id;
  return all.filter((a) => a.id !== self);
}

export const terminateConnectionFlow: FlowDefinition<'terminate_connection', ConnCtx> = {
  kind: 'terminate_connection',
  async load(d, task, p) {
    const ctx = await load(d, task.resourceId, p.connector, p.attachmentId, { exportOnly: p.exportOnly, dropAttachment: p.dropAttachment });
    if (ctx) ctx.dv.otherAttachments = await otherAttachments(d, ctx.row.id, p.connector, p.attachmentId);
    return ctx;
  },
  steps: [
    {
      name: 'terminate_connection',
      async run(ctx) {
        if (ctx.exportOnly) return;
        await ctx.deps.driver.terminateConnection(ctx.dv, ctx.connector);
      },
    },
    {
      name: 'remove_export_if_unused',
      async run(ctx) {
        if (ctx.exportOnly) {
          // Queued by the last legacy detach: a host that reserved or connected since keeps the export.
          const now = await ctx.deps.db.kysely.selectFrom('volumes').select(['status', 'exported']).where('id', '=', ctx.row.id).executeTakeFirst();
          const live = await ctx.deps.db.kysely.selectFrom('attachments').select('id').where('volumeId', '=', ctx.row.id)
            .where('attachStatus', '!=', 'detached').executeTakeFirst();
          if (!now || now.status !== 'available' || now.exported === 0 || live) return;
        }
        const others = await ctx.deps.db.kysely.selectFrom('attachments').select('id').where('volumeId', '=', ctx.row.id)
          .where('attachStatus', 'in', ['attaching', 'attached']).$if(ctx.attachmentId !== null, (q) => q.where('id', '!=', ctx.attachmentId!))
          .executeTakeFirst();
        if (others && ctx.connector !== null) return;
        await ctx.deps.driver.removeExport(ctx.dv);
        await ctx.deps.db.kysely.updateTable('volumes').set({ exported: 0, updatedAt: nowIso() }).where('id', '=', ctx.row.id).execute();
      },
    },
  ],
  async finish(tx, _d, ctx) {
    if (ctx.dropAttachment && ctx.attachmentId) await dropAttachmentRow(tx, ctx.attachmentId, ctx.row.id);
    return null;
  },
  async giveUp() {
    // The caller gets the error; the attachment keeps its state for a retry.
  },
};
