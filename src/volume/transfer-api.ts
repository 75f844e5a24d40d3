// Volume transfers (Cinder's transfer API): an owner offers an available volume, which waits
// in awaiting-transfer; a project that presents the transfer's id and auth key takes it over,
// and in one transaction the volume (and, unless no_snapshots, its snapshots) changes owner
// while the quota usage of both projects moves with it. Withdrawing the offer makes the
// volume available again.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { TransferRow } from '../db/schema.js';
import { InvalidInput } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import { newId } from '../util/ids.js';
import { nowIso } from '../util/clock.js';
import { inTransaction } from '../db/transaction.js';
import { casVolume, getVolume, lockVolume, lockVolumeIfExists } from '../db/repos/volumes.js';
import { getTransfer } from '../db/repos/transfers.js';
import type { RequestContext } from './operations.js';
import type { CreateTransferRequest, CreatedTransfer, TransferOperations } from './transfer-operations.js';
import { typeQuotaDeltas } from './api-support.js';

/** Hex characters in an auth key and a salt (Cinder's volume_transfer_key_length / salt_length). */
const AUTH_KEY_LENGTH = 16;
const SALT_LENGTH = 8;

function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

/** The stored proof of the key: an HMAC keyed by the salt, so the key itself is never kept. */
function cryptHash(salt: string, authKey: string): string {
  return createHmac('sha256', salt).update(authKey).digest('hex');
}

function keyMatches(t: TransferRow, authKey: string): boolean {
  const want = Buffer.from(t.cryptHash, 'hex');
  const got = Buffer.from(cryptHash(t.salt, authKey), 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
}

export class TransferApi implements TransferOperations {
  constructor(private readonly db: Db, private readonly quotas: QuotaEngine) {}

  async createTransfer(ctx: RequestContext, req: CreateTransferRequest): Promise<CreatedTransfer> {
    await getVolume(this.db.kysely, ctx, req.volumeId);
    const authKey = randomHex(AUTH_KEY_LENGTH);
    const salt = randomHex(SALT_LENGTH);
    const transfer = await inTransaction(this.db, async (tx) => {
      const v = await lockVolume(tx, ctx, req.volumeId);
      if (v.status !== 'available') throw new InvalidInput(`Invalid volume: volume ${v.id} status must be available to transfer it; it is ${v.status}.`);
      if (!req.noSnapshots) {
        // Snapshot creates and deletes lock the volume first, so this list holds until commit.
        const busy = await tx.selectFrom('snapshots').select(['id', 'status']).where('volumeId', '=', v.id).where('status', '!=', 'available').executeTakeFirst();
        if (busy) throw new InvalidInput(`Invalid snapshot: snapshot ${busy.id} of volume ${v.id} is ${busy.status}; every snapshot must be available to transfer the volume with its snapshots.`);
      }
      await casVolume(tx, v.id, ['available'], { status: 'awaiting-transfer' }, 'transfer');
      const now = nowIso();
      return tx.insertInto('transfers').values({
        id: newId(), volumeId: v.id, displayName: req.name ?? null, salt, cryptHash: cryptHash(salt, authKey),
        noSnapshots: req.noSnapshots ? 1 : 0, sourceProjectId: v.projectId, destinationProjectId: null, accepted: 0,
        createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
    });
    return { transfer, authKey };
  }

  async acceptTransfer(ctx: RequestContext, id: string, authKey: string): Promise<TransferRow> {
    // Unscoped: the offer belongs to the donor; the key is what entitles the caller to it.
    const offered = await getTransfer(this.db.kysely, null, id);
    if (!keyMatches(offered, authKey)) throw new InvalidInput(`Invalid auth key: attempt to transfer ${id} with an invalid auth key.`);
    return inTransaction(this.db, async (tx) => {
      // Lock order: the volume, then its snapshots, then the transfer and quota rows.
      const v = await lockVolumeIfExists(tx, offered.volumeId);
      const t = await getTransfer(tx, null, id);
      if (!v) throw new InvalidInput(`Invalid volume: the volume of transfer ${id} no longer exists.`);
      if (v.status !== 'awaiting-transfer') {
        throw new InvalidInput(`Invalid volume: transfer ${id}: volume ${v.id} is ${v.status}, expected awaiting-transfer.`);
      }
      const now = nowIso();
      const snaps = t.noSnapshots ? [] : await tx.updateTable('snapshots').set({ projectId: ctx.projectId, userId: ctx.userId, updatedAt: now })
        .where('volumeId', '=', v.id).returning('id').execute();
      const type = v.volumeTypeId ? await tx.selectFrom('volumeTypes').select('name').where('id', '=', v.volumeTypeId).executeTakeFirst() : undefined;
      const gained = typeQuotaDeltas(type?.name ?? null, 1, v.size);
      if (snaps.length > 0) gained.snapshots = snaps.length;
      const lost = Object.fromEntries(Object.entries(gained).map(([k, d]) => [k, -d]));
      // The recipient's limits are checked (413 over quota); both sides settle in this transaction.
      const incoming = await this.quotas.reserve(tx, ctx.projectId, gained);
      const outgoing = await this.quotas.reserve(tx, v.projectId, lost);
      await casVolume(tx, v.id, ['awaiting-transfer'], { status: 'available', projectId: ctx.projectId, userId: ctx.userId }, 'accept the transfer of');
      await this.quotas.commit(tx, incoming);
      await this.quotas.commit(tx, outgoing);
      return tx.updateTable('transfers').set({ accepted: 1, destinationProjectId: ctx.projectId, updatedAt: now })
        .where('id', '=', t.id).returningAll().executeTakeFirstOrThrow();
    });
  }

  async deleteTransfer(ctx: RequestContext, id: string): Promise<void> {
    const offered = await getTransfer(this.db.kysely, ctx, id);
    await inTransaction(this.db, async (tx) => {
      const v = await lockVolumeIfExists(tx, offered.volumeId);
      const t = await getTransfer(tx, ctx, id);
      // The volume waits for this offer only: withdrawing it makes the volume available again.
      if (v?.status === 'awaiting-transfer') await casVolume(tx, v.id, ['awaiting-transfer'], { status: 'available' }, 'cancel the transfer of');
      await tx.deleteFrom('transfers').where('id', '=', t.id).execute();
    });
  }
}
