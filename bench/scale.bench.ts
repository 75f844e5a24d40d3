// Large inventories (issue 15, item 5): 100,000 volumes over 1,000 projects, seeded through SQL
// with the finished tasks that created them, then measured through the real HTTP API of an API
// process of its own (list detail as one project and as admin over all projects, filtered and
// sorted lists, marker paging to the end of a project, quota usage, a delete request), that
// process's memory, and a volume manager starting over a fake backend that holds all 100,000
// volumes (ensure_export of each, orphan check; in this process, where the fake backend's store
// is). SQLite (`scale.*`) and, when it answers, PostgreSQL (`scale.pg.*`).
import pg from 'pg';
import { FakeBackendStore } from '../src/drivers/fake/fake-backend-store.js';
import { PG_URL, startTestService, type DbKind } from '../test/support/test-service.js';
import { cpuMs, memoryMiB, startApiProcess, type ApiProcess } from './api-process.js';
import { BIG_PROJECT, projectName, seedInventory, type ScaleShape } from './scale-seed.js';

const SHAPE: ScaleShape = { volumes: 100_000, projects: 1_000, bigProjectVolumes: 10_090, poolHost: 'scale@benchfake#pool0' };
const BACKEND = 'benchfake';
const SAMPLES = 15;

type Report = (name: string, value: number) => void;

function p50(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]! * 100) / 100;
}

async function getJson(url: string): Promise<any> {
  const r = await fetch(url, { headers: { 'OpenStack-API-Version': 'volume 3.65' } });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** CPU milliseconds the service process spent per request in the last `timed` (the client's work is not in it). */
let lastCpuMs = 0;

/** p50 of GET `path`, checking every answer with `check` (an empty or wrong list is a failed bench, not a fast one). */
async function timed(svc: ApiProcess, base: string, path: string, check: (body: any) => void): Promise<number> {
  check(await getJson(`${base}${path}`)); // warm: route, prepared statements, page cache
  const ms: number[] = [];
  const cpu0 = cpuMs(svc.pid);
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    const body = await getJson(`${base}${path}`);
    ms.push(performance.now() - t0);
    check(body);
  }
  lastCpuMs = Math.round((cpuMs(svc.pid) - cpu0) / SAMPLES * 10) / 10;
  return p50(ms);
}

function expectVolumes(n: number, pred: (v: any) => boolean = () => true) {
  return (body: any) => {
    const vs = body.volumes as any[];
    if (vs.length !== n) throw new Error(`expected ${n} volumes, got ${vs.length}`);
    if (!vs.every(pred)) throw new Error('a listed volume does not match the filter');
  };
}

function sortedBy(key: string, dir: 'asc' | 'desc') {
  return (body: any) => {
    const vs = body.volumes as any[];
    for (let i = 1; i < vs.length; i++) {
      const a = vs[i - 1][key];
      const b = vs[i][key];
      if (dir === 'asc' ? a > b : a < b) throw new Error(`volumes not sorted by ${key} ${dir} at ${i}`);
    }
  };
}

async function measureApi(svc: ApiProcess, prefix: string, report: Report): Promise<void> {
  const v3 = `${svc.url}/v3`;
  const big = `${v3}/${BIG_PROJECT}`;
  const all = `${v3}/admin/volumes/detail?all_tenants=1&limit=1000`;
  report(`${prefix}.list_detail_100k.p50_ms`, await timed(svc, big, '/volumes/detail?limit=1000', expectVolumes(1000, (v) => v.metadata.owner === BIG_PROJECT)));
  // On a loaded machine wall time also counts waiting for a core; CPU time does not.
  report(`${prefix}.list_detail_100k.cpu_ms_per_request`, lastCpuMs);
  report(`${prefix}.list_detail_all_tenants_100k.p50_ms`, await timed(svc, all, '', expectVolumes(1000)));
  report(`${prefix}.list_summary_100k.p50_ms`, await timed(svc, big, '/volumes?limit=1000', expectVolumes(1000)));
  report(`${prefix}.list_status_error_100k.p50_ms`, await timed(svc, all, '&status=error', expectVolumes(1000, (v) => v.status === 'error')));
  report(`${prefix}.list_name_100k.p50_ms`, await timed(svc, all, '&name=vol-54321', expectVolumes(1, (v) => v.name === 'vol-54321')));
  report(`${prefix}.list_sort_created_asc_100k.p50_ms`, await timed(svc, big, '/volumes/detail?limit=1000&sort=created_at:asc', sortedBy('created_at', 'asc')));
  report(`${prefix}.list_sort_size_100k.p50_ms`, await timed(svc, all, '&sort=size:desc', sortedBy('size', 'desc')));
  report(`${prefix}.list_project_sort_size_100k.p50_ms`, await timed(svc, big, '/volumes/detail?limit=1000&sort=size:asc', sortedBy('size', 'asc')));
  report(`${prefix}.quota_usage_100k.p50_ms`, await timed(svc, big, `/os-quota-sets/${BIG_PROJECT}?usage=true`, (b) => {
    if (b.quota_set.volumes.in_use !== SHAPE.bigProjectVolumes) throw new Error(`quota usage shows ${b.quota_set.volumes.in_use} volumes`);
  }));

  // Marker paging to the end of the big project: every page follows the previous page's next link.
  const t0 = performance.now();
  let url: string | null = `${big}/volumes/detail?limit=1000`;
  let seen = 0;
  while (url) {
    const body: any = await getJson(url);
    seen += body.volumes.length;
    url = body.volumes_links?.[0]?.href ?? null;
  }
  if (seen !== SHAPE.bigProjectVolumes) throw new Error(`paging saw ${seen} of ${SHAPE.bigProjectVolumes} volumes`);
  report(`${prefix}.page_to_end_10k.ms`, Math.round(performance.now() - t0));
}

/**
 * p50 of a DELETE request (202: the task is queued, no manager runs here) with the finished tasks
 * of 100,000 creates kept: the duplicate-operation check looks the volume's tasks up among them.
 */
async function measureDeletes(svc: ApiProcess, prefix: string, report: Report): Promise<void> {
  const base = `${svc.url}/v3/${projectName(1)}`;
  const { volumes } = await getJson(`${base}/volumes?status=available&limit=${SAMPLES + 1}`);
  if (volumes.length !== SAMPLES + 1) throw new Error(`expected ${SAMPLES + 1} available volumes, got ${volumes.length}`);
  const ms: number[] = [];
  for (const [i, v] of (volumes as { id: string }[]).entries()) {
    const t0 = performance.now();
    const r = await fetch(`${base}/volumes/${v.id}`, { method: 'DELETE' });
    if (i > 0) ms.push(performance.now() - t0); // the first warms the route
    if (r.status !== 202) throw new Error(`DELETE ${v.id}: ${r.status} ${await r.text()}`);
  }
  report(`${prefix}.delete_request_200k_tasks.p50_ms`, p50(ms));
}

/** The fake backend's own record of every seeded volume: what a real array would still hold after a restart. */
function fillFakeBackend(ids: string[]): void {
  FakeBackendStore.reset(BACKEND);
  const store = FakeBackendStore.get(BACKEND);
  for (const [i, id] of ids.entries()) {
    store.volumes().set(id, {
      id, name: `volume-${id}`, size: 1 + (i % 100), pool: 'pool0', exported: false, providerLocation: null, providerAuth: null,
      connections: new Set(), data: Buffer.alloc(0), extraSpecs: {}, groupId: null, replication: 'disabled', attachments: [], detachedAttachmentIds: [],
    });
  }
}

/** Seconds to start a volume manager over the inventory; its first start exports, a restart finds them exported. */
async function measureManagerStart(svc: ApiProcess, kind: DbKind, prefix: string, report: Report): Promise<void> {
  let cpuSeconds = 0;
  const start = async (): Promise<number> => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const m = await startTestService({ db: kind, dir: svc.dir, schema: svc.schema, roles: [`volume@${BACKEND}`], ...serviceShape() });
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    cpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
    await m.close();
    return Math.round(s * 100) / 100;
  };
  report(`${prefix}.manager_first_start_100k.seconds`, await start());
  report(`${prefix}.manager_start_100k.seconds`, await start());
  report(`${prefix}.manager_start_100k.cpu_seconds`, cpuSeconds);
  // No memory figure here: the manager runs in this process beside the fake backend's 100,000
  // records and the seeding's garbage, and its RSS growth swung from -147 to +104 MB with GC timing.
  const exported = [...FakeBackendStore.get(BACKEND).volumes().values()].filter((v) => v.exported).length;
  if (exported !== SHAPE.volumes) throw new Error(`the manager exported ${exported} of ${SHAPE.volumes} volumes`);
}

function serviceShape() {
  return { backends: { [BACKEND]: { volume_driver: 'fake', fake_capacity_gib: 100_000_000 } }, defaults: { host: 'scale' } };
}

async function scaleOn(kind: DbKind, prefix: string, report: Report): Promise<void> {
  const svc = await startApiProcess(kind, serviceShape());
  try {
    // Once a first answer has loaded the routes: what the service holds before it serves the inventory.
    await getJson(`${svc.url}/v3/${BIG_PROJECT}/volumes?limit=1`);
    report(`${prefix}.rss_mb_idle`, memoryMiB(svc.pid).rss);
    const t0 = performance.now();
    const ids = await seedInventory(svc.db, SHAPE);
    report(`${prefix}.seed_100k.seconds`, Math.round((performance.now() - t0) / 100) / 10);
    await measureApi(svc, prefix, report);
    const mem = memoryMiB(svc.pid);
    report(`${prefix}.rss_mb_100k`, mem.rss);
    report(`${prefix}.rss_peak_mb_100k`, mem.peak);
    fillFakeBackend(ids);
    await measureManagerStart(svc, kind, prefix, report);
    // Last: the deletes leave tasks that a manager started after them would run.
    await measureDeletes(svc, prefix, report);
  } finally {
    FakeBackendStore.reset(BACKEND);
    await svc.cleanup();
  }
}

async function postgresAnswers(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

export async function run(report: Report): Promise<void> {
  await scaleOn('sqlite', 'scale', report);
  if (process.env.FLINT_SCALE_SQLITE_ONLY !== '1' && (await postgresAnswers())) await scaleOn('postgres', 'scale.pg', report);
}
