// The real `manila` client (Debian's python3-manilaclient) against Flint (whole service, fake
// share backend, noauth): type → share → access allow → snapshot → share from snapshot →
// revert → extend → deny → delete, each checked in what Flint and its backend then hold.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { FakeShareStore } from '../../src/drivers/fake-share/fake-share-store.js';
import type { FakeShareDriver } from '../../src/drivers/fake-share/fake-share-driver.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';

const MANILA = '/usr/bin/manila';
const PROJECT = 'manila-demo';

describe('manila CLI against Flint', () => {
  let svc: TestService;

  before(async () => {
    svc = await startTestService({ backends: { nas: { share_driver: 'fake', fake_share_capacity_gib: 100 } }, defaults: { default_share_type: 'default' } });
  });
  after(async () => {
    await svc?.cleanup();
    FakeShareStore.reset('nas');
  });

  /** Runs `manila ARGS` asynchronously (the service answers in this process) with only what it needs. */
  function manila(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/bin:/bin', HOME: svc.dir, LANG: 'C.UTF-8', OS_TOKEN: `demo:${PROJECT}`, OS_MANILA_BYPASS_URL: `${svc.url}/v2/${PROJECT}`,
    };
    return new Promise((resolve) => {
      execFile(MANILA, args, { env, cwd: svc.dir, timeout: 90_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }
  async function ok(args: string[]): Promise<string> {
    const r = await manila(args);
    assert.equal(r.code, 0, `manila ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }
  /** A `| Property | Value |` table's value. */
  function field(out: string, name: string): string {
    const m = new RegExp(`^\\|\\s*${name}\\s*\\|\\s*(.*?)\\s*\\|$`, 'm').exec(out);
    assert.ok(m, `no ${name} in:\n${out}`);
    return m[1]!;
  }
  const share = (id: string) => svc.db.kysely.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst();
  async function untilShare(id: string, check: (s: NonNullable<Awaited<ReturnType<typeof share>>>) => boolean) {
    return waitUntil(async () => {
      const s = await share(id);
      if (s && s.status.includes('error')) throw new Error(`share ${id} went to ${s.status}`);
      return s && check(s) ? s : undefined;
    }, 30_000, 100);
  }
  const driver = () => svc.shareManagers.get('nas')!.driver as FakeShareDriver;

  test('type, share, access, snapshot, share from snapshot, revert, extend, deny, delete', async () => {
    const type = await ok(['type-create', 'default', 'false', '--snapshot-support', 'true', '--create-share-from-snapshot-support', 'true', '--revert-to-snapshot-support', 'true']);
    assert.equal(field(type, 'Name'), 'default');
    assert.match(field(type, 'required_extra_specs'), /driver_handles_share_servers : False/);

    const created = await ok(['create', 'NFS', '1', '--name', 'm1', '--share-type', 'default']);
    const id = field(created, 'id');
    assert.equal(field(created, 'share_proto'), 'NFS');
    assert.equal(field(created, 'project_id'), PROJECT);
    await untilShare(id, (s) => s.status === 'available');
    const shown = await ok(['show', 'm1']);
    assert.match(shown, /path = 127\.0\.0\.1:\/fake\/nas\/share-/);
    assert.deepEqual(Object.keys(driver().store.state.shares), [id]);

    const allowed = await ok(['access-allow', 'm1', 'ip', '127.0.0.1', '--access-level', 'rw']);
    const ruleId = field(allowed, 'id');
    await untilShare(id, (s) => s.accessRulesStatus === 'active');
    assert.match(await ok(['access-list', 'm1']), new RegExp(`${ruleId}.*127\\.0\\.0\\.1.*rw.*active`));
    assert.deepEqual(Object.values(driver().store.state.shares[id]!.rules), ['ip:127.0.0.1:rw']);

    // What a client writes, then a snapshot of it.
    driver().writeData(id, 'first bytes', 1);
    const snap = await ok(['snapshot-create', 'm1', '--name', 's1']);
    const snapId = field(snap, 'id');
    await waitUntil(async () => (await svc.db.kysely.selectFrom('shareSnapshots').select('status').where('id', '=', snapId).executeTakeFirst())?.status === 'available' || undefined, 30_000, 100);

    const fromSnap = await ok(['create', 'NFS', '1', '--name', 'm2', '--snapshot-id', snapId]);
    const id2 = field(fromSnap, 'id');
    await untilShare(id2, (s) => s.status === 'available');
    assert.equal(driver().store.state.shares[id2]!.content, 'first bytes');

    driver().writeData(id, 'second bytes', 1);
    await ok(['revert-to-snapshot', 's1']);
    await untilShare(id, (s) => s.status === 'available');
    assert.equal(driver().store.state.shares[id]!.content, 'first bytes');

    await ok(['extend', 'm1', '2']);
    await untilShare(id, (s) => s.size === 2 && s.status === 'available');
    assert.equal(field(await ok(['show', 'm1']), 'size'), '2');
    assert.equal(driver().store.state.shares[id]!.size, 2);

    await ok(['access-deny', 'm1', ruleId]);
    await waitUntil(async () => ((await svc.db.kysely.selectFrom('shareAccessRules').select('id').where('shareId', '=', id).execute()).length === 0) || undefined, 30_000, 100);
    assert.deepEqual(driver().store.state.shares[id]!.rules, {});

    // A share with a snapshot cannot go: Manila's 400, and nothing changes.
    const refused = await manila(['delete', 'm1']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /snapshot/);
    assert.equal((await share(id))?.status, 'available');

    await ok(['delete', 'm2']);
    await ok(['snapshot-delete', 's1']);
    await waitUntil(async () => (await svc.db.kysely.selectFrom('shareSnapshots').select('id').executeTakeFirst()) === undefined || undefined, 30_000, 100);
    await ok(['delete', 'm1']);
    await waitUntil(async () => (await svc.db.kysely.selectFrom('shares').select('id').executeTakeFirst()) === undefined || undefined, 30_000, 100);
    assert.deepEqual(driver().store.state.shares, {});
    assert.match(await ok(['list']), /^\+[-+]+\+\n\| ID/m);
    const quota = await ok(['quota-show', '--tenant-id', PROJECT, '--detail']);
    assert.match(quota, /\| shares\s+\|.*in_use = 0/s);
  });

  test('bad input gets Manila\'s 400 and creates nothing', async () => {
    const before = (await svc.db.kysely.selectFrom('shares').select('id').execute()).length;
    const badProto = await manila(['create', 'NFSX', '1']);
    assert.notEqual(badProto.code, 0);
    assert.match(badProto.stderr, /Invalid share protocol provided: NFSX/);
    const badSize = await manila(['create', 'NFS', '0']);
    assert.notEqual(badSize.code, 0);
    assert.equal((await svc.db.kysely.selectFrom('shares').select('id').execute()).length, before);
  });
});
