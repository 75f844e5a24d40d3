// The checkout's root (the directory with package.json), found from a module's own URL, so
// that files beside the code (the dashboard page, its bundle) are found whether the module
// runs from src/ through tsx or compiled under dist/js/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`No package.json above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}
