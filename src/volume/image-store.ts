// Where image files live on the Flint host. API callers name images, never paths: a
// path from a request could otherwise read or overwrite any file the service can reach.
//
// Images uploaded through Flint are kept under `.store/` by their id, never by the name a
// caller chose: the name lives in the database beside the owning project (see image-catalog),
// so two projects' names never meet on the filesystem and no request can name a path.
// Files an operator puts straight into the directory are read by admins only; links are
// never followed, so a link cannot make Flint read or delete what it points at.
import { constants, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { lstat, open, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { InvalidInput } from '../errors/errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class ImageStore {
  readonly dir: string;
  /** Flint's own image files, by id; its leading '.' keeps it out of the name space. */
  readonly storeDir: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.dir = realpathSync(dir);
    this.storeDir = join(this.dir, '.store');
    mkdirSync(this.storeDir, { recursive: true, mode: 0o750 });
    if (!lstatSync(this.storeDir).isDirectory()) throw new Error(`${this.storeDir} must be a directory, not a link or a file.`);
  }

  /** The image name in `name`: one file name, no path. */
  checkName(field: string, name: string): string {
    // An absolute path inside the image directory is accepted as its file name.
    const n = name.startsWith(`${this.dir}/`) ? name.slice(this.dir.length + 1) : name;
    if (!NAME.test(n) || basename(n) !== n) {
      throw new InvalidInput(`${field} '${name.slice(0, 80)}' must be a file name in the image directory (letters, digits, '.', '_', '-').`);
    }
    return n;
  }

  /** The file of a stored image. */
  pathOf(id: string): string {
    if (!ID.test(id)) throw new Error(`Not an image id: ${id.slice(0, 40)}`);
    return join(this.storeDir, id);
  }

  /** A temp file for one upload of image `id`: unique, hidden, beside the final file. */
  uploadTemp(id: string): string {
    return join(this.storeDir, `.${basename(this.pathOf(id))}.${randomBytes(6).toString('hex')}.upload`);
  }

  /**
   * An operator's regular file in the top of the image directory, or null when there is none.
   * A link or anything not a regular file is refused rather than followed.
   */
  async operatorFile(field: string, name: string): Promise<string | null> {
    const path = join(this.dir, this.checkName(field, name));
    const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (!st) return null;
    if (!st.isFile()) throw notRegular(field, name);
    return path;
  }

  /** Removes an operator's file: the link itself is never followed, and a link is refused. */
  async removeOperatorFile(field: string, name: string): Promise<boolean> {
    const path = await this.operatorFile(field, name);
    if (!path) return false;
    await unlink(path);
    return true;
  }

  /** Opens an image file for reading without following a link (O_NOFOLLOW), and checks it is a regular file. */
  async openRead(field: string, name: string, path: string): Promise<{ fh: FileHandle; size: number }> {
    let fh: FileHandle;
    try {
      // O_NONBLOCK: a FIFO put in the directory must not hang the request (no effect on regular files).
      fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw notRegular(field, name);
      throw e;
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw notRegular(field, name);
    }
    return { fh, size: st.size };
  }
}

function notRegular(field: string, name: string): InvalidInput {
  return new InvalidInput(`${field} '${name.slice(0, 80)}' is not a regular file in the image directory (links are not followed).`);
}
