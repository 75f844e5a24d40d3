// What every volume flow context holds, and how it is loaded from the database.
import type { VolumeRow } from '../../db/schema.js';
import type { DriverVolume, ModelUpdate } from '../../drivers/interface/objects.js';
import { toDriverVolume } from '../driver-objects.js';
import { findVolumeRow } from '../../db/repos/volumes.js';
import type { ManagerDeps } from './flow-handler.js';

export function providerFields(u: ModelUpdate | void | undefined): Partial<VolumeRow> {
  if (!u) return {};
  const out: Partial<VolumeRow> = {};
  if (u.providerLocation !== undefined) out.providerLocation = u.providerLocation;
  if (u.providerAuth !== undefined) out.providerAuth = u.providerAuth;
  if (u.providerId !== undefined) out.providerId = u.providerId;
  return out;
}

/** Every flow context carries its manager and the quota reservation it settles. */
export interface BaseCtx {
  deps: ManagerDeps;
  reservation: string;
  row: VolumeRow;
  dv: DriverVolume;
}

export async function loadVolume(deps: ManagerDeps, id: string, status: string, reservation = ''): Promise<BaseCtx | null> {
  const row = await findVolumeRow(deps.db.kysely, id);
  if (!row || row.status !== status) return null;
  return { deps, reservation, row, dv: await toDriverVolume(deps.db.kysely, row, deps.templates) };
}

