// An in-memory target helper for tests: records exports and ACLs, moves no bytes.
import { BackendError } from '../errors/errors.js';
import type { ExportLocation, ExportSpec, TargetHelper } from './target-helper.js';

export class FakeTarget implements TargetHelper {
  readonly name = 'fake';
  readonly capabilities = { onlineExtend: true, chap: true, directIo: false };
  readonly daemonPid = null;
  readonly exports = new Map<string, { spec: ExportSpec; initiators: Set<string>; refreshed: number }>();
  constructor(readonly portal = '127.0.0.1:3260') {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async createExport(spec: ExportSpec): Promise<ExportLocation> {
    if (!this.exports.has(spec.iqn)) this.exports.set(spec.iqn, { spec, initiators: new Set(), refreshed: 0 });
    return { iqn: spec.iqn, lun: 1, portal: this.portal, tpgt: 1 };
  }
  async removeExport(iqn: string): Promise<void> { this.exports.delete(iqn); }
  async allowInitiator(iqn: string, initiator: string): Promise<void> {
    const e = this.exports.get(iqn);
    if (!e) throw new BackendError(`iSCSI target ${iqn} is not exported.`, { publicDetail: 'the volume is not exported' });
    e.initiators.add(initiator);
  }
  async denyInitiator(iqn: string, initiator: string | null): Promise<void> {
    const e = this.exports.get(iqn);
    if (!e) return;
    if (initiator === null) e.initiators.clear(); else e.initiators.delete(initiator);
  }
  async refreshLunSize(iqn: string): Promise<void> { const e = this.exports.get(iqn); if (e) e.refreshed++; }
  async listExports(): Promise<string[]> { return [...this.exports.keys()]; }
}
