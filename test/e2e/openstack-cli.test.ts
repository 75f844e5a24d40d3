// The real `openstack` client (python3-openstackclient) against Flint (whole service, fake
// backend, noauth): volumes, extend, snapshots, types with extra specs, deletes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';

const OPENSTACK = '/usr/bin/openstack';
const PROJECT = 'osc-demo';

/**
 * openstackclient 6.0 builds an image client for `volume create` and runs version discovery
 * against it; this answers that discovery on loopback and nothing else.
 */
function fakeImageDiscovery(): Promise<Server> {
  const server = createServer((req, res) => {
    const port = (server.address() as AddressInfo).port;
    const v2 = { id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `http://127.0.0.1:${port}/v2/` }] };
    res.writeHead(req.url === '/' ? 300 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/' ? { versions: [v2] } : { version: v2 }));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

describe('openstack CLI against Flint', () => {
  let svc: TestService;
  let image: Server;
  let cloudsFile: string;

  before(async () => {
    svc = await startTestService({ backends: { fake: { volume_driver: 'fake', fake_capacity_gib: 100000 } } });
    image = await fakeImageDiscovery();
    const endpoint = `${svc.url}/v3/${PROJECT}`;
    cloudsFile = join(svc.dir, 'clouds.yaml');
    writeFileSync(cloudsFile, [
      'clouds:',
      '  flint:',
      '    auth_type: none',
      '    auth:',
      `      endpoint: ${endpoint}`,
      `    block_storage_endpoint_override: ${endpoint}`,
      `    volume_endpoint_override: ${endpoint}`,
      `    image_endpoint_override: http://127.0.0.1:${(image.address() as AddressInfo).port}`,
      "    volume_api_version: '3'",
      '',
    ].join('\n'));
  });
  after(async () => {
    await new Promise((r) => image?.close(r));
    await svc?.cleanup();
  });

  /** Runs `openstack ARGS` with only what it needs in its environment (no PYTHONPATH). */
  function osc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: svc.dir, OS_CLIENT_CONFIG_FILE: cloudsFile, OS_CLOUD: 'flint', LANG: 'C.UTF-8' };
    return new Promise((resolve) => {
      execFile(OPENSTACK, args, { env, cwd: svc.dir, timeout: 90_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }
  async function oscJson(args: string[]): Promise<any> {
    const r = await osc([...args, '-f', 'json']);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  async function untilVolume(name: string, check: (v: any) => boolean): Promise<any> {
    return waitUntil(async () => {
      const v = await oscJson(['volume', 'show', name]);
      if (String(v.status).startsWith('error')) throw new Error(`volume ${name} went to ${v.status}`);
      return check(v) ? v : undefined;
    }, 60_000, 300);
  }

  test('volume create, list, show, extend, snapshot, delete', async () => {
    const created = await oscJson(['volume', 'create', '--size', '1', '--property', 'purpose=e2e', 'osc-vol']);
    assert.equal(created.name, 'osc-vol');
    assert.equal(created.size, 1);
    // As from Cinder, create answers without the os-vol-* attributes; show has them.
    assert.equal(created['os-vol-tenant-attr:tenant_id'], undefined);
    const ready = await untilVolume('osc-vol', (v) => v.status === 'available');
    assert.equal(ready['os-vol-tenant-attr:tenant_id'], PROJECT);

    const list = await oscJson(['volume', 'list']);
    assert.deepEqual(list.map((v: any) => [v.Name, v.Status, v.Size]), [['osc-vol', 'available', 1]]);
    const shown = await oscJson(['volume', 'show', 'osc-vol']);
    assert.equal(shown.id, created.id);
    assert.deepEqual(shown.properties, { purpose: 'e2e' });

    const extend = await osc(['volume', 'set', '--size', '3', 'osc-vol']);
    assert.equal(extend.code, 0, extend.stderr);
    await untilVolume('osc-vol', (v) => v.size === 3 && v.status === 'available');

    const snap = await oscJson(['volume', 'snapshot', 'create', '--volume', 'osc-vol', 'osc-snap']);
    assert.equal(snap.volume_id, created.id);
    assert.equal(snap.size, 3);
    await waitUntil(async () => {
      const s = await oscJson(['volume', 'snapshot', 'show', 'osc-snap']);
      return s.status === 'available' ? s : undefined;
    }, 60_000, 300);
    const snaps = await oscJson(['volume', 'snapshot', 'list']);
    assert.deepEqual(snaps.map((s: any) => [s.Name, s.Status, s.Size]), [['osc-snap', 'available', 3]]);

    assert.equal((await osc(['volume', 'snapshot', 'delete', 'osc-snap'])).code, 0);
    await waitUntil(async () => ((await oscJson(['volume', 'snapshot', 'list'])).length === 0 ? true : undefined), 60_000, 300);
    assert.equal((await osc(['volume', 'delete', 'osc-vol'])).code, 0);
    await waitUntil(async () => ((await oscJson(['volume', 'list'])).length === 0 ? true : undefined), 60_000, 300);
  });

  test('volume type with extra specs, and a volume of that type', async () => {
    // An unscoped spec would be a capability the backend must have; a vendor scope is not.
    const t = await oscJson(['volume', 'type', 'create', '--property', 'volume_backend_name=fake', '--property', 'flint:tier=gold', 'osc-gold']);
    assert.equal(t.name, 'osc-gold');
    assert.deepEqual(t.properties, { volume_backend_name: 'fake', 'flint:tier': 'gold' });
    const shown = await oscJson(['volume', 'type', 'show', 'osc-gold']);
    assert.deepEqual(shown.properties, { volume_backend_name: 'fake', 'flint:tier': 'gold' });
    const types = await oscJson(['volume', 'type', 'list']);
    assert.ok(types.some((x: any) => x.Name === 'osc-gold'));

    const v = await oscJson(['volume', 'create', '--size', '2', '--type', 'osc-gold', 'osc-typed']);
    assert.equal(v.type, 'osc-gold');
    const ready = await untilVolume('osc-typed', (x) => x.status === 'available');
    assert.equal(ready.type, 'osc-gold');
    assert.match(String(ready['os-vol-host-attr:host']), /@fake#/);

    assert.equal((await osc(['volume', 'delete', 'osc-typed'])).code, 0);
    await waitUntil(async () => ((await oscJson(['volume', 'list'])).length === 0 ? true : undefined), 60_000, 300);
    assert.equal((await osc(['volume', 'type', 'delete', 'osc-gold'])).code, 0);
  });

  /** `cinder` (python3-cinderclient) with its noauth plugin at the newest microversion Flint claims. */
  function cinder(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: svc.dir, LANG: 'C.UTF-8' };
    const base = ['--os-auth-type', 'noauth', '--os-user-id', 'cli-user', '--os-project-id', PROJECT, '--os-endpoint', `${svc.url}/v3/${PROJECT}`, '--os-volume-api-version', '3.70'];
    return new Promise((resolve) => {
      execFile('/usr/bin/cinder', [...base, ...args], { env, cwd: svc.dir, timeout: 90_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }
  /** The Property/Value table cinder prints for one resource, as an object. */
  function table(out: string): Record<string, string> {
    const rec: Record<string, string> = {};
    for (const line of out.split('\n')) {
      const m = /^\|\s*(\S[^|]*?)\s*\|\s*(.*?)\s*\|$/.exec(line);
      if (m) rec[m[1]!] = m[2]!;
    }
    return rec;
  }

  test('cinder client: attachments (3.27/3.44) and volume summary (3.12)', async () => {
    const c = await cinder(['create', '1', '--name', 'cinder-vol', '--metadata', 'k=v']);
    assert.equal(c.code, 0, c.stderr);
    const id = table(c.stdout).id!;
    await untilVolume('cinder-vol', (v) => v.status === 'available');
    const summary = table((await cinder(['summary'])).stdout);
    assert.equal(summary.total_count, '1');
    assert.equal(summary.total_size, '1');

    const a = await cinder(['attachment-create', id, '11111111-2222-3333-4444-555555555555', '--connect', 'True', '--initiator', 'iqn.1993-08.org.debian:01:e2e', '--ip', '127.0.0.1', '--host', 'e2e-host']);
    assert.equal(a.code, 0, a.stderr);
    const attachmentId = table(a.stdout).id!;
    assert.match(a.stdout, /driver_volume_type/);
    assert.equal((await cinder(['attachment-complete', attachmentId])).code, 0);
    await untilVolume('cinder-vol', (v) => v.status === 'in-use');
    const list = await cinder(['attachment-list']);
    assert.match(list.stdout, new RegExp(attachmentId));
    assert.equal((await cinder(['attachment-delete', attachmentId])).code, 0);
    await untilVolume('cinder-vol', (v) => v.status === 'available');
    assert.equal((await cinder(['delete', id])).code, 0);
    await waitUntil(async () => ((await oscJson(['volume', 'list'])).length === 0 ? true : undefined), 60_000, 300);
  });

  test('an error from Flint reaches the user through the client', async () => {
    const r = await osc(['volume', 'create', '--size', '1', '--type', 'no-such-type', 'bad']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no-such-type/);
  });
});
