// An ObjectStore over a directory (in real life a mounted NFS export): a container is a
// sub-directory, a key a relative path. Writes go to a temporary file that is fsynced and
// renamed into place, then the directory is fsynced, so an object is whole or absent.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { BackendError } from '../../../errors/errors.js';
import { ObjectMissing, type ObjectStore } from '../chunked/object-store.js';

const FILE_MODE = 0o640;
const DIR_MODE = 0o750;

/** One path segment of a container or key: no empty, '.', '..' or separator tricks. */
function checkRelative(what: string, name: string): string[] {
  const parts = name.split('/');
  if (name === '' || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw new BackendError(`Invalid ${what} '${name}': use relative '/'-separated names without '.' or '..'.`,
      { publicDetail: `invalid backup ${what} name` });
  }
  return parts;
}

function isErrno(e: unknown, code: string): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === code;
}

export class PosixObjectStore implements ObjectStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `directory ${root}`;
  }

  private containerDir(container: string): string {
    return join(this.root, ...checkRelative('container', container));
  }

  private path(container: string, key: string): string {
    return join(this.containerDir(container), ...checkRelative('object key', key));
  }

  async ensureContainer(container: string): Promise<void> {
    await mkdir(this.containerDir(container), { recursive: true, mode: DIR_MODE });
  }

  async put(container: string, key: string, data: Buffer): Promise<void> {
    const path = this.path(container, key);
    const dir = dirname(path);
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    const fh = await open(temp, 'wx', FILE_MODE);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } catch (e) {
      await fh.close();
      await unlink(temp).catch(() => undefined);
      throw new BackendError(`Writing backup object ${path} failed: ${(e as Error).message}`, { cause: e });
    }
    await fh.close();
    await rename(temp, path);
    // The rename is durable only once the directory entry is.
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  async get(container: string, key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(container, key));
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw new ObjectMissing(container, key);
      throw e;
    }
  }

  async delete(container: string, key: string): Promise<void> {
    const path = this.path(container, key);
    try {
      await unlink(path);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    // Prune directories the backup leaves empty, up to (not including) the container.
    const top = this.containerDir(container);
    for (let dir = dirname(path); dir.startsWith(top + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
  }

  async list(container: string, prefix: string): Promise<string[]> {
    const top = this.containerDir(container);
    // Start at the deepest directory the prefix names, so listing one backup does not walk the container.
    const slash = prefix.lastIndexOf('/');
    const startKey = slash < 0 ? '' : prefix.slice(0, slash);
    const start = startKey === '' ? top : join(top, ...checkRelative('object key prefix', startKey));
    const keys: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return;
        throw e;
      }
      for (const ent of entries) {
        const key = rel === '' ? ent.name : `${rel}/${ent.name}`;
        if (ent.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(join(dir, ent.name), key);
        } else if (key.startsWith(prefix)) {
          keys.push(key);
        }
      }
    };
    await walk(start, startKey);
    return keys.sort();
  }

  async exists(container: string, key: string): Promise<boolean> {
    try {
      return (await stat(this.path(container, key))).isFile();
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return false;
      throw e;
    }
  }

  async check(container: string): Promise<void> {
    try {
      await access(this.root, constants.W_OK | constants.X_OK);
      await this.ensureContainer(container);
      await access(this.containerDir(container), constants.W_OK | constants.X_OK);
    } catch (e) {
      throw new BackendError(`Backup directory ${this.root} (container ${container}) is not usable: ${(e as Error).message}`,
        { cause: e, publicDetail: 'the backup directory is not writable' });
    }
  }
}
