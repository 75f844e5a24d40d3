// What an attach needs that rarely changes, kept between calls to save round trips:
// the iSCSI target name, the portals, and which igroup serves each initiator.
// Correctness: portals, target name and igroups are re-read at every stats refresh (an
// igroup that gained another initiator leaves the cache); an igroup entry is dropped when
// ONTAP says the igroup is gone (9003 / EOBJECTNOTFOUND) and the lookup is redone; a map
// error always falls back to reading the LUN's real maps.
import type { IscsiPortal, OntapSanClient } from './client/san-client.js';

export class AttachCache {
  private targetName: string | null = null;
  private portals: IscsiPortal[] | null = null;
  private readonly igroups = new Map<string, string>();

  constructor(private readonly client: OntapSanClient) {}

  async target(): Promise<{ iqn: string; portals: IscsiPortal[] }> {
    // Empty answers (service down, no LIFs yet) are not cached: the next attach asks again.
    if (!this.targetName) this.targetName = (await this.client.getIscsiTargetName()) || null;
    if (!this.portals?.length) this.portals = await this.client.getIscsiPortals();
    return { iqn: this.targetName ?? '', portals: this.portals };
  }

  /** Re-reads target name and portals (called when stats refresh). */
  async refreshTarget(): Promise<void> {
    this.targetName = await this.client.getIscsiTargetName();
    this.portals = await this.client.getIscsiPortals();
  }

  igroupFor(initiator: string): string | undefined {
    return this.igroups.get(initiator);
  }
  rememberIgroup(initiator: string, igroup: string): void {
    this.igroups.set(initiator, igroup);
  }
  forgetIgroup(initiator: string): void {
    this.igroups.delete(initiator);
  }
  /** Replaces every initiator → igroup entry with a fresh listing's. */
  replaceIgroups(entries: ReadonlyMap<string, string>): void {
    this.igroups.clear();
    for (const [i, g] of entries) this.igroups.set(i, g);
  }
}
