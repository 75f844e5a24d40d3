// The backup driver conformance suite for `posix`: the chunked format in a directory.
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackupDriverConformance } from './backup-driver-conformance.js';

/** Keys under `prefix`, read straight from the directory tree. */
async function walk(root: string, rel = ''): Promise<string[]> {
  const entries = await readdir(join(root, rel), { withFileTypes: true }).catch(() => []);
  const keys = await Promise.all(entries.map(async (e) => {
    const key = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? walk(root, key) : [key];
  }));
  return keys.flat();
}

runBackupDriverConformance({
  name: 'posix',
  async setup() {
    const root = await mkdtemp(join(tmpdir(), 'flint-posix-backup-'));
    return {
      options: { backup_driver: 'posix', backup_posix_path: root },
      async listObjects(container, prefix) {
        return (await walk(join(root, container))).filter((k) => k.startsWith(prefix)).sort();
      },
      async corrupt(container, key) {
        const fh = await open(join(root, container, key), 'r+');
        try {
          const b = Buffer.alloc(1);
          await fh.read(b, 0, 1, 100);
          b[0] = b[0]! ^ 0xff;
          await fh.write(b, 0, 1, 100);
        } finally {
          await fh.close();
        }
      },
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
});
