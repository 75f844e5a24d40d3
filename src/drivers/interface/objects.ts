// What a driver is given (references to Flint's objects) and what it gives back.
// The connector and connection-info shapes live in protocols/ (below drivers and targets).
import type { Connector } from '../../protocols/connection-info.js';

export type {
  Connector, ConnectionInfo, DriverVolumeType, FibreChannelConnectionData, IscsiConnectionData, LocalConnectionData,
} from '../../protocols/connection-info.js';

/** The fields of a volume a driver may read. Drivers never write the database. */
export interface DriverVolume {
  id: string;
  /** Backend-visible name, `volume-<id>` by default (volume_name_template). */
  name: string;
  /** GiB. */
  size: number;
  /** `host@backend#pool` */
  host: string | null;
  providerLocation: string | null;
  providerAuth: string | null;
  providerId: string | null;
  volumeTypeId: string | null;
  extraSpecs: Record<string, string>;
  metadata: Record<string, string>;
  multiattach: boolean;
  /**
   * The volume's other live attachments (attaching or attached), filled for
   * terminate_connection only: a driver keeps a host's access while another
   * attachment on that host still uses it (multi-attach on one host).
   */
  otherAttachments?: DriverAttachment[];
}

/** A live attachment of a volume, as a driver sees it. */
export interface DriverAttachment {
  id: string;
  host: string | null;
  connector: Connector | null;
}

export interface DriverSnapshot {
  id: string;
  /** Backend-visible name, `snapshot-<id>` by default. */
  name: string;
  /** GiB: the size of the volume when the snapshot was taken. */
  volumeSize: number;
  volume: DriverVolume;
  providerLocation: string | null;
  providerId: string | null;
}

/** Fields a driver asks the manager to record on the volume or snapshot. */
export interface ModelUpdate {
  providerLocation?: string | null;
  providerAuth?: string | null;
  providerId?: string | null;
  /** Only for manage-existing and create-from-larger-source cases. */
  size?: number;
  metadata?: Record<string, string>;
}

/** An object found on the backend (for manage-existing and reconciliation). */
/** A snapshot on the backend, for manageable listing. */
export interface BackendSnapshotObject extends BackendVolumeObject {
  /** The reference of the volume it is a snapshot of. */
  sourceReference: Record<string, string>;
}

export interface BackendVolumeObject {
  /** What `manageExisting` accepts to find it again (e.g. `{ source-name: … }`). */
  reference: Record<string, string>;
  sizeGiB: number;
  /** The Flint id the backend object belongs to, when its name says so. */
  flintId: string | null;
  safeToManage: boolean;
  reasonNotSafe: string | null;
  extraInfo?: string | null;
}
