// Manage and unmanage existing LUNs (Cinder's manage_existing): find a LUN by path, name
// or UUID, take it over under the volume's name, and list what could be managed.
import { BackendObjectNotFound, InvalidInput } from '../../../errors/errors.js';
import type { BackendVolumeObject, DriverVolume, ModelUpdate } from '../../interface/objects.js';
import { lunPath, type LunInfo } from './client/san-client.js';
import { handleFromInfo } from './lun-table.js';
import { GiB, gibOf, type OntapBlockLibrary } from './ontap-block-library.js';

/** A LUN Flint created (named `volume-<uuid>`) was asked for whole GiB: ONTAP's geometry rounding is not more. */
const FLINT_LUN = /^volume-([0-9a-f-]{36})$/i;
/** Whole GiB of a LUN: Flint's own as created, anyone else's rounded up (Cinder's rule for managed LUNs). */
const sizeGiB = (l: LunInfo): number => (FLINT_LUN.test(l.name) ? gibOf(l.sizeBytes) : Math.ceil(l.sizeBytes / GiB));

export class ManageExisting {
  constructor(private readonly lib: OntapBlockLibrary) {}

  /** Finds a LUN by {source-name: path or LUN name} or {source-id: LUN uuid}. */
  async findByRef(ref: Record<string, string>): Promise<LunInfo> {
    const name = ref['source-name'];
    const id = ref['source-id'];
    if (!name && !id) throw new InvalidInput('Manage reference must give source-name (LUN path or name) or source-id (LUN UUID).');
    let lun: LunInfo | null | undefined;
    if (name?.startsWith('/vol/')) lun = await this.lib.client.getLun(name);
    else {
      const pools = new Set((await this.lib.poolList()).map((p) => p.name));
      lun = (await this.lib.client.listLuns()).find((l) => pools.has(l.volume) && (id ? l.uuid === id : l.name === name));
    }
    if (!lun) throw new BackendObjectNotFound(`No LUN matches manage reference ${JSON.stringify(ref)} on this backend's pools.`);
    return lun;
  }

  async manageExistingGetSize(ref: Record<string, string>): Promise<number> {
    return sizeGiB(await this.findByRef(ref));
  }

  async manageExisting(volume: DriverVolume, ref: Record<string, string>): Promise<ModelUpdate> {
    const lun = await this.findByRef(ref);
    let path = lun.path;
    if (lun.name !== volume.name) {
      path = lunPath(lun.volume, volume.name, lun.qtree);
      await this.lib.client.moveLun(lun.path, path);
      this.lib.luns.delete(lun.name);
    }
    this.lib.luns.set(handleFromInfo({ ...lun, path, name: volume.name }));
    return { providerLocation: path, size: sizeGiB(lun) };
  }

  unmanage(volume: DriverVolume): void {
    this.lib.luns.delete(volume.name);
  }

  async listBackendVolumes(): Promise<BackendVolumeObject[]> {
    const pools = new Set((await this.lib.poolList()).map((p) => p.name));
    return (await this.lib.client.listLuns())
      .filter((l) => pools.has(l.volume))
      .map((l) => {
        const flintId = FLINT_LUN.exec(l.name)?.[1] ?? null;
        // A LUN named for a Flint volume and still in our table is Flint's; unmanage drops it from the table.
        const reason = l.mapped ? 'LUN is mapped' : flintId && this.lib.luns.get(l.name) ? 'LUN belongs to a Flint volume' : null;
        return {
          reference: { 'source-name': l.path },
          sizeGiB: sizeGiB(l),
          flintId,
          safeToManage: reason === null,
          reasonNotSafe: reason,
          extraInfo: l.uuid ? `uuid ${l.uuid}` : null,
        };
      });
  }
}
