// The driver's table of LUNs it knows (Cinder's NetAppLun cache): handle, size and the
// metadata (Path, Volume, Qtree, OsType, SpaceReserved) needed to act without a lookup.
import type { LunInfo } from './client/san-client.js';

export interface LunMetadata {
  Path: string;
  Volume: string;
  Qtree: string;
  OsType: string;
  SpaceReserved: 'true' | 'false';
}

export interface LunHandle {
  name: string;
  /** The LUN's actual size, as ONTAP reported it (it may round the size asked for). */
  sizeBytes: number;
  uuid: string | null;
  /** SCSI thin provisioning: the host may send UNMAP (connection info `discard`). */
  spaceAllocation: boolean;
  /** Cluster mode: the LUN's QoS policy group, which its clones join too. */
  qosPolicyGroup: string | null;
  qosAdaptive: boolean;
  metadata: LunMetadata;
}

export function handleFromInfo(info: LunInfo): LunHandle {
  return {
    name: info.name,
    sizeBytes: info.sizeBytes,
    uuid: info.uuid,
    spaceAllocation: info.spaceAllocation,
    qosPolicyGroup: info.qosPolicyGroup,
    qosAdaptive: info.qosAdaptive,
    metadata: {
      Path: info.path,
      Volume: info.volume,
      Qtree: info.qtree,
      OsType: info.osType,
      SpaceReserved: info.spaceReserved ? 'true' : 'false',
    },
  };
}

export class LunTable {
  private readonly byName = new Map<string, LunHandle>();

  get(name: string): LunHandle | undefined {
    return this.byName.get(name);
  }
  set(handle: LunHandle): void {
    this.byName.set(handle.name, handle);
  }
  delete(name: string): void {
    this.byName.delete(name);
  }
  /** Replaces the table with what the backend reports (set-up discovery). */
  load(luns: readonly LunInfo[]): void {
    this.byName.clear();
    for (const l of luns) this.set(handleFromInfo(l));
  }
  values(): LunHandle[] {
    return [...this.byName.values()];
  }
  get size(): number {
    return this.byName.size;
  }
}
