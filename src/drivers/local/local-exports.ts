// The exports a local backend has made and the initiators allowed on each, so they can be
// replayed after tgtd restarts (tgtd keeps nothing). Initiators persist in the state dir;
// CHAP secrets do not — they come back from provider_auth when the manager calls ensureExport.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DriverVolume } from '../../drivers/interface/objects.js';

interface Entry { volume: DriverVolume | null; initiators: Set<string> }

export class LocalExports {
  private readonly entries = new Map<string, Entry>();
  private readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.file = join(stateDir, 'local-exports.json');
  }

  async load(): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch(() => '{}');
    const saved = JSON.parse(text) as Record<string, string[]>;
    for (const [name, initiators] of Object.entries(saved)) {
      this.entries.set(name, { volume: this.entries.get(name)?.volume ?? null, initiators: new Set(initiators) });
    }
  }

  /** Written atomically (temp + rename); serialised so saves land in order. */
  private save(): Promise<void> {
    const snapshot = JSON.stringify(Object.fromEntries([...this.entries].map(([k, v]) => [k, [...v.initiators]])));
    this.writing = this.writing.then(async () => {
      await mkdir(join(this.file, '..'), { recursive: true });
      await writeFile(`${this.file}.tmp`, snapshot, { mode: 0o600 });
      await rename(`${this.file}.tmp`, this.file);
    });
    return this.writing;
  }

  async remember(volume: DriverVolume): Promise<void> {
    const e = this.entries.get(volume.name);
    if (e) e.volume = volume; else this.entries.set(volume.name, { volume, initiators: new Set() });
    await this.save();
  }

  async forget(name: string): Promise<void> {
    if (this.entries.delete(name)) await this.save();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  initiators(name: string): string[] {
    return [...(this.entries.get(name)?.initiators ?? [])];
  }

  async allow(name: string, initiator: string): Promise<void> {
    const e = this.entries.get(name) ?? { volume: null, initiators: new Set<string>() };
    e.initiators.add(initiator);
    this.entries.set(name, e);
    await this.save();
  }

  async deny(name: string, initiator: string | null): Promise<void> {
    const e = this.entries.get(name);
    if (!e) return;
    if (initiator === null) e.initiators.clear(); else e.initiators.delete(initiator);
    await this.save();
  }

  /** Exports whose volume (with provider_auth) this process has seen: the ones it can replay alone. */
  replayable(): DriverVolume[] {
    return [...this.entries.values()].flatMap((e) => (e.volume ? [e.volume] : []));
  }
}
