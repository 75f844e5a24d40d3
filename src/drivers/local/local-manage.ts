// The local driver's manage side: adopt a pool file as a volume or a snapshot, and list the
// pool's files for manageable-volume listings and reconciliation.
import { readdir, rename } from 'node:fs/promises';
import type { Options } from '../../config/options.js';
import { BackendObjectNotFound, Conflict, InvalidInput } from '../../errors/errors.js';
import type { BackendVolumeObject, DriverSnapshot, DriverVolume, ModelUpdate } from '../interface/objects.js';
import type { TargetHelper } from '../../targets/target-helper.js';
import type { LocalPool } from './local-pool.js';

const GiB = 1024 ** 3;

export interface LocalManageContext {
  pool: LocalPool;
  target: TargetHelper;
  opt: Options;
  backendName: string;
}

export async function requireFile(pool: LocalPool, name: string, backendName: string): Promise<void> {
  if (!(await pool.exists(name))) throw new BackendObjectNotFound(`Backend file ${name} does not exist on backend ${backendName}.`);
}

/** Pool files that are volumes (not snapshots, not our probes). */
export async function volumeFiles(pool: LocalPool, opt: Options): Promise<string[]> {
  const snapPrefix = opt.str('snapshot_name_template').split('%s')[0]!;
  return (await readdir(pool.dir, { withFileTypes: true }))
    .filter((d) => d.isFile() && !d.name.startsWith('.') && !(snapPrefix && d.name.startsWith(snapPrefix)))
    .map((d) => d.name);
}

function refName(ref: Record<string, string>): string {
  const name = ref['source-name'];
  if (!name) throw new InvalidInput('The manage reference must name the file: {"source-name": "<file in the pool>"}.');
  return name;
}

export async function manageExistingGetSize(c: LocalManageContext, ref: Record<string, string>): Promise<number> {
  const name = refName(ref);
  await requireFile(c.pool, name, c.backendName);
  return Math.ceil((await c.pool.size(name)) / GiB);
}

export async function manageExisting(c: LocalManageContext, volume: DriverVolume, ref: Record<string, string>): Promise<ModelUpdate> {
  const name = refName(ref);
  if (name !== volume.name) {
    if (await c.pool.exists(volume.name)) throw new Conflict(`Backend file ${volume.name} already exists on backend ${c.backendName}.`);
    await requireFile(c.pool, name, c.backendName);
    if ((await c.target.listExports()).some((iqn) => iqn.endsWith(`:${name}`))) throw new Conflict(`Backend file ${name} is exported; unexport it first.`);
    await rename(c.pool.path(name), c.pool.path(volume.name));
  }
  await c.pool.setUnmanaged(name, false);
  // The LUN must show the whole GiB the volume is accounted as.
  const size = Math.max(1, Math.ceil((await c.pool.size(volume.name)) / GiB));
  await c.pool.resize(volume.name, size);
  return { size };
}

export async function listBackendVolumes(c: LocalManageContext): Promise<BackendVolumeObject[]> {
  const [prefix, suffix] = c.opt.str('volume_name_template').split('%s') as [string, string | undefined];
  const exported = new Set(await c.target.listExports());
  const out: BackendVolumeObject[] = [];
  for (const name of await volumeFiles(c.pool, c.opt)) {
    const id = name.startsWith(prefix) && name.endsWith(suffix ?? '') ? name.slice(prefix.length, name.length - (suffix ?? '').length) : null;
    const flintId = id && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
    const isExported = exported.has(`${c.opt.str('iscsi_target_prefix')}${name}`);
    const managed = flintId !== null && !(await c.pool.isUnmanaged(name));
    out.push({
      reference: { 'source-name': name },
      sizeGiB: Math.ceil((await c.pool.size(name)) / GiB),
      flintId,
      safeToManage: !managed && !isExported,
      reasonNotSafe: managed ? 'already managed' : isExported ? 'volume is exported' : null,
    });
  }
  return out;
}

/**
 * The snapshot file `ref` names. Only files named as snapshots are taken: a volume file
 * adopted as a snapshot would vanish from the volume listing and could be deleted under a
 * volume. The pool does not record which volume a snapshot file came from, so that is
 * the caller's word (as with Cinder's LVM driver).
 */
async function snapshotRefName(c: LocalManageContext, ref: Record<string, string>): Promise<string> {
  const name = ref['source-name'];
  if (!name) throw new InvalidInput('The snapshot manage reference must name the file: {"source-name": "<snapshot file in the pool>"}.');
  const prefix = c.opt.str('snapshot_name_template').split('%s')[0]!;
  if (!prefix || !name.startsWith(prefix) || name.includes('/')) throw new InvalidInput(`Backend file ${name} is not a snapshot file (its name must start with ${prefix}).`);
  await requireFile(c.pool, name, c.backendName);
  return name;
}

export async function manageExistingSnapshotGetSize(c: LocalManageContext, snapshot: DriverSnapshot, ref: Record<string, string>): Promise<number> {
  // A retried manage finds the file already renamed.
  const name = ref['source-name'] !== snapshot.name && (await c.pool.exists(snapshot.name)) ? snapshot.name : await snapshotRefName(c, ref);
  return Math.ceil((await c.pool.size(name)) / GiB);
}

export async function manageExistingSnapshot(c: LocalManageContext, snapshot: DriverSnapshot, ref: Record<string, string>): Promise<ModelUpdate | void> {
  if (ref['source-name'] !== snapshot.name && (await c.pool.exists(snapshot.name))) return;
  const name = await snapshotRefName(c, ref);
  if (name !== snapshot.name) await rename(c.pool.path(name), c.pool.path(snapshot.name));
  await c.pool.setUnmanaged(name, false);
}

export async function unmanageSnapshot(c: LocalManageContext, snapshot: DriverSnapshot): Promise<void> {
  if (await c.pool.exists(snapshot.name)) await c.pool.setUnmanaged(snapshot.name, true);
}
