// Volume transfers as the API asks them: offer a volume to whoever holds the auth key,
// accept it into the caller's project, withdraw the offer.
import type { TransferRow } from '../db/schema.js';
import type { RequestContext } from './operations.js';

export interface CreateTransferRequest {
  volumeId: string;
  name?: string | null;
  /** 3.55: leave the volume's snapshots with the donor project. */
  noSnapshots?: boolean;
}

/** A new transfer and its auth key: the key is shown once, in this answer, and never stored. */
export interface CreatedTransfer {
  transfer: TransferRow;
  authKey: string;
}

export interface TransferOperations {
  createTransfer(ctx: RequestContext, req: CreateTransferRequest): Promise<CreatedTransfer>;
  acceptTransfer(ctx: RequestContext, id: string, authKey: string): Promise<TransferRow>;
  deleteTransfer(ctx: RequestContext, id: string): Promise<void>;
}
