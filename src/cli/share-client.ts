// The CLI's client of the Shared File Systems API v2: the same client as the volume
// commands' (auth, faults as ApiErrors, unreachable-API advice), speaking /v2/{project} with
// Manila's version header; names resolved to ids as the manila client does.
import { FlintClient, SHARED_FILE_SYSTEMS_V2, type ClientOptions } from './client.js';

export class ShareClient extends FlintClient {
  constructor(o: ClientOptions = {}) {
    super(o, SHARED_FILE_SYSTEMS_V2);
  }

  shareId(nameOrId: string): Promise<string> {
    return this.resolve('share', 'shares', nameOrId);
  }

  override snapshotId(nameOrId: string): Promise<string> {
    return this.resolve('share snapshot', 'snapshots', nameOrId);
  }
}
