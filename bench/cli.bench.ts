// `flint volume list` as a person runs it: process start to exit, 50 volumes, compiled CLI.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { apiCall } from '../test/support/http.js';
import { insertVolumes, startChildService } from './service.bench.js';

const ROOT = resolve(import.meta.dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(report: (name: string, value: number) => void): Promise<void> {
  const svc = await startChildService({ backends: { benchcli: { volume_driver: 'fake' } } });
  try {
    await apiCall(svc.base, 'admin', 'GET', '/volumes?limit=1');
    insertVolumes(svc, 'admin', 50);
    const flint = resolve(ROOT, 'bin/flint');
    const args = ['--url', svc.base, '--project', 'admin', 'volume', 'list'];
    execFileSync(flint, args); // builds dist/js if a source changed; not measured
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const out = execFileSync(flint, args).toString();
      times.push(performance.now() - t0);
      if (!out.includes('admin-49')) throw new Error(`volume list did not show the volumes:\n${out.slice(0, 500)}`);
    }
    report('cli.volume_list.ms', Math.round(median(times)));
  } finally {
    await svc.stop();
  }
}
