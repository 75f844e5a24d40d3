// API benchmarks, in-process through Fastify's inject against the service's API role (the real
// VolumeApi, SQLite, no scheduler or manager competing for the database, so the figures are the
// API's own): creating a volume, the statements one create sends, and listing 1,000 volumes with
// detail. Then over real HTTP, 10 creates in flight against Flint all-in-one (API, scheduler and
// a fake volume manager sharing the process and the database, as `flint serve` runs) and against
// a do-nothing server answering the same calls with a canned body: the ratio is what Flint's work
// costs over the floor of HTTP itself. Last, the floor server again committing each request as
// one SQLite row, the least that recording a create durably costs.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestService } from '../test/support/test-service.js';
import { measureLoad, percentile, startDurableFloorServer, startFloorServer, type LoadOptions } from './http-load.js';

function p50(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return Number(s[Math.floor(s.length / 2)]!.toFixed(3));
}

export async function run(report: (name: string, value: number) => void): Promise<void> {
  const svc = await startTestService({ backends: { fake: { volume_driver: 'fake', fake_capacity_gib: 10_000_000 } }, roles: ['api'] });
  try {
    const app = svc.app!;
    // Warm up routes, schemas and prepared statements.
    for (let i = 0; i < 20; i++) await app.inject({ method: 'POST', url: '/v3/bench-warm/volumes', payload: { volume: { size: 1 } } });

    const create: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const r = await app.inject({ method: 'POST', url: '/v3/bench-create/volumes', payload: { volume: { size: 1, name: `b${i}`, metadata: { k: 'v' } } } });
      create.push(performance.now() - t0);
      if (r.statusCode !== 202) throw new Error(`create failed: ${r.statusCode} ${r.body}`);
    }
    report('api.create_volume.p50_ms', p50(create));

    // Every statement of the request (transaction control included): the API role runs alone.
    const counted = await svc.db.statements.during(() => app.inject({ method: 'POST', url: '/v3/bench-count/volumes', payload: { volume: { size: 1, name: 'counted' } } }));
    if (counted.result.statusCode !== 202) throw new Error(`create failed: ${counted.result.statusCode} ${counted.result.body}`);
    report('api.statements_per_create', counted.statements);

    // 1,000 volumes in one project, each with two metadata keys, every tenth attached.
    const project = 'bench-list';
    const now = Date.now();
    const rows = Array.from({ length: 1000 }, (_, i) => {
      const t = new Date(now - i * 1000).toISOString();
      return {
        id: randomUUID(), projectId: project, userId: 'u', displayName: `vol-${i}`, displayDescription: null, size: 1 + (i % 50),
        status: i % 10 === 0 ? 'in-use' : 'available', attachStatus: i % 10 === 0 ? 'attached' : 'detached', availabilityZone: 'nova',
        volumeTypeId: null, host: 'h@fake#pool0', providerLocation: null, providerAuth: null, providerId: null, snapshotId: null,
        sourceVolid: null, bootable: 0 as const, multiattach: 0 as const, migrationStatus: null, replicationStatus: null, groupId: null,
        exported: 0 as const, createdAt: t, updatedAt: t,
      };
    });
    const k = svc.db.kysely;
    for (let i = 0; i < rows.length; i += 100) {
      const chunk = rows.slice(i, i + 100);
      await k.insertInto('volumes').values(chunk).execute();
      await k.insertInto('volumeMetadata').values(chunk.flatMap((v) => [{ resourceId: v.id, key: 'owner', value: 'bench' }, { resourceId: v.id, key: 'tier', value: 'gold' }])).execute();
      const attached = chunk.filter((v) => v.status === 'in-use');
      if (attached.length) {
        await k.insertInto('attachments').values(attached.map((v) => ({
          id: randomUUID(), volumeId: v.id, projectId: project, instanceUuid: randomUUID(), attachedHost: 'h', mountpoint: '/dev/vdb',
          attachStatus: 'attached', attachMode: 'rw', connector: null, connectionInfo: null, attachTime: v.createdAt, detachTime: null,
          createdAt: v.createdAt, updatedAt: v.createdAt,
        }))).execute();
      }
    }
    const list: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const r = await app.inject({ method: 'GET', url: `/v3/${project}/volumes/detail?limit=1000` });
      list.push(performance.now() - t0);
      const n = (r.json() as { volumes: unknown[] }).volumes.length;
      if (r.statusCode !== 200 || n !== 1000) throw new Error(`detail list returned ${r.statusCode} with ${n} volumes`);
    }
    report('api.volumes_detail_1000.p50_ms', p50(list));
  } finally {
    await svc.cleanup();
  }
  await concurrentCreates(report);
}

async function concurrentCreates(report: (name: string, value: number) => void): Promise<void> {
  const load: LoadOptions = { concurrency: 10, requests: 400, warmup: 50, status: 202 };
  const create = (i: number) => ({ method: 'POST', path: '/v3/bench-c10/volumes', body: { volume: { size: 1, name: `c${i}` } } });
  const backends = { fake: { volume_driver: 'fake', fake_capacity_gib: 10_000_000 } };
  // The API alone: what the request itself costs, no worker sharing the thread and the database.
  const apiOnly = await startTestService({ backends, roles: ['api'] });
  let apiOnlyP50: number;
  try {
    apiOnlyP50 = percentile(await measureLoad(apiOnly.url!, create, load), 0.5);
  } finally {
    await apiOnly.cleanup();
  }
  // All-in-one, as `flint serve` runs by default: every create also gets scheduled and created.
  const svc = await startTestService({ backends });
  let flint: number[];
  let sampleBody: string;
  try {
    flint = await measureLoad(svc.url!, create, load);
    // The floor answers with the body Flint gave, so both move the same bytes.
    sampleBody = (await svc.app!.inject({ method: 'POST', url: '/v3/bench-c10/volumes', payload: create(0).body })).body;
  } finally {
    // Stopped before the floor runs: its workers would still be creating the backlog and slow
    // the floor down (it shares this process), which made the ratio look better than it is.
    await svc.cleanup();
  }
  const floorServer = await startFloorServer(202, sampleBody);
  let floorP50: number;
  try {
    const floor = await measureLoad(floorServer.url, create, load);
    const flintP50 = percentile(flint, 0.5);
    floorP50 = percentile(floor, 0.5);
    report('api.create_volume.concurrent10.p50_ms', Number(flintP50.toFixed(3)));
    report('api.create_volume.concurrent10.p99_ms', Number(percentile(flint, 0.99).toFixed(3)));
    report('api.create_volume.api_only.concurrent10.p50_ms', Number(apiOnlyP50.toFixed(3)));
    report('api.floor.concurrent10.p50_ms', Number(floorP50.toFixed(3)));
    report('api.create_volume.floor_ratio', Number((flintP50 / floorP50).toFixed(2)));
    report('api.create_volume.api_only.floor_ratio', Number((apiOnlyP50 / floorP50).toFixed(2)));
  } finally {
    await new Promise((r) => floorServer.server.close(r));
  }
  // The floor that also commits each request as one SQLite row: the least any server that
  // records a create durably pays, for comparing with the ratio's target.
  const dir = mkdtempSync(join(tmpdir(), 'flint-bench-durable-floor-'));
  const durable = await startDurableFloorServer(202, sampleBody, join(dir, 'floor.sqlite'));
  try {
    const p50 = percentile(await measureLoad(durable.url, create, load), 0.5);
    report('api.floor_one_sqlite_insert.concurrent10.p50_ms', Number(p50.toFixed(3)));
    report('api.floor_one_sqlite_insert.floor_ratio', Number((p50 / floorP50).toFixed(2)));
  } finally {
    await durable.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
