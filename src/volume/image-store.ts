// Where image files live on the Flint host. API callers name images, never paths: a
// path from a request could otherwise read or overwrite any file the service can reach.
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Conflict, InvalidInput, NotFound } from '../errors/errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export class ImageStore {
  readonly dir: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.dir = realpathSync(dir);
  }

  private checkName(field: string, name: string): string {
    // An absolute path inside the image directory is accepted as its file name.
    const n = name.startsWith(`${this.dir}/`) ? name.slice(this.dir.length + 1) : name;
    if (!NAME.test(n) || basename(n) !== n) {
      throw new InvalidInput(`${field} '${name.slice(0, 80)}' must be a file name in the image directory (letters, digits, '.', '_', '-').`);
    }
    return n;
  }

  /** The path of an existing image file. */
  existing(field: string, name: string): string {
    const path = join(this.dir, this.checkName(field, name));
    if (!existsSync(path)) throw new NotFound('Image', name);
    const real = realpathSync(path);
    if (!real.startsWith(`${this.dir}/`) || !statSync(real).isFile()) throw new InvalidInput(`${field} '${name}' is not a regular file in the image directory.`);
    return real;
  }

  /** The path for a new image file; refuses to overwrite. */
  fresh(field: string, name: string): string {
    const path = join(this.dir, this.checkName(field, name));
    if (existsSync(path)) throw new Conflict(`Image ${name} already exists in the image directory.`);
    return path;
  }
}
