// Errors are private unless marked public: what a driver says about its internals reaches the
// service log, never an API response (issue 8 part 5).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApiApp } from '../../src/api/app.js';
import { BackendError } from '../../src/errors/errors.js';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';

const CONNECTOR = { initiator: 'iqn.1994-05.com.redhat:host1', host: 'host1', ip: '127.0.0.1' };

/** A logger that keeps every line, to read what the service logged. */
function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { logger: pino({ level: 'info' }, stream), text: () => lines.join('') };
}

describe('a driver error on the way to the API', () => {
  const section = `privacy${process.pid}`;
  const log = memoryLogger();
  let svc: TestService;
  let app: FastifyInstance;
  before(async () => {
    svc = await startTestService({
      roles: ['scheduler', `volume@${section}`], logger: log.logger,
      backends: { [section]: { volume_driver: 'fake', volume_backend_name: 'fake', fake_protocol: 'iscsi' } },
    });
    app = buildApiApp({ db: svc.db, volumes: svc.api, quotas: svc.quotas, auth: { strategy: 'noauth' }, defaultAvailabilityZone: 'nova', logger: log.logger });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await svc.cleanup();
    FakeBackendStore.reset(section);
  });

  test('a failed initialize_connection answers a generic message; the log keeps the driver text', async () => {
    const created = await app.inject({ method: 'POST', url: '/v3/p1/volumes', payload: { volume: { size: 1 } } });
    assert.equal(created.statusCode, 202, created.body);
    const id = created.json().volume.id as string;
    await waitUntil(async () => {
      const r = await svc.db.kysely.selectFrom('volumes').select('status').where('id', '=', id).executeTakeFirst();
      return r?.status === 'available' ? true : undefined;
    });
    // Every retry fails too, so the task gives up.
    FakeBackendStore.get(section).failNext('initializeConnection', 100);
    const r = await app.inject({ method: 'POST', url: `/v3/p1/volumes/${id}/action`, payload: { 'os-initialize_connection': { connector: CONNECTOR } } });
    assert.ok(r.statusCode >= 500, r.body);
    assert.doesNotMatch(r.body, /Injected failure|on fake backend/);
    assert.match(log.text(), /Injected failure of initializeConnection on fake backend privacy/);
  });

  test('an unsafe error shows its public detail beside the generic text, and is logged in full', async () => {
    const leaky = buildApiApp({
      db: svc.db, quotas: svc.quotas, auth: { strategy: 'noauth' }, defaultAvailabilityZone: 'nova', logger: log.logger,
      volumes: { ...svc.api, createVolume: async () => { throw new BackendError('lun-create: vserver vs0 aggr1 is 98% full', { publicDetail: 'the storage system refused the volume' }); } } as never,
    });
    const r = await leaky.inject({ method: 'POST', url: '/v3/p1/volumes', payload: { volume: { size: 1 } } });
    assert.equal(r.statusCode, 500);
    const msg = r.json().computeFault.message as string;
    assert.match(msg, /The server has either erred/);
    assert.match(msg, /the storage system refused the volume/);
    assert.doesNotMatch(msg, /vserver|aggr1/);
    assert.match(log.text(), /aggr1 is 98% full/);
    await leaky.close();
  });
});
