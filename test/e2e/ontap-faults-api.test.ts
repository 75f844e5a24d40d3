// Faults through Flint's HTTP API: when the ONTAP system answers every LUN create with
// EAPIERROR (13001), the volume ends in `error`, the user message names the ONTAP API failure,
// nothing is left on the system, and the backend serves the next create once it recovers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OntapSimulator } from '../sim/ontap/ontap-simulator.js';
import { simOptions, type OntapFlavour } from '../sim/ontap/ontap-driver-fixture.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';
import { apiCall, type Reply } from '../support/http.js';

const PROJECT = 'ontap-faults';


const FLAVOURS: { flavour: OntapFlavour; lunCreate: string }[] = [
  { flavour: 'cmode-zapi', lunCreate: 'lun-create-by-size' },
  { flavour: 'cmode-rest', lunCreate: 'POST /api/storage/luns' },
];

for (const { flavour, lunCreate } of FLAVOURS) {
  describe(`netapp_ontap faults through the Block Storage API (${flavour})`, () => {
    let sim: OntapSimulator;
    let svc: TestService;
    let base = '';

    const call = (method: string, path: string, body?: unknown): Promise<Reply> => apiCall(base, PROJECT, method, path, body, '3.44');
    const createAndWait = async (name: string): Promise<any> => {
      const r = await call('POST', '/volumes', { volume: { size: 1, name } });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      return waitUntil(async () => {
        const g = await call('GET', `/volumes/${r.json.volume.id}`);
        return ['available', 'error'].includes(g.json.volume.status) ? g.json.volume : undefined;
      }, 60_000, 50);
    };

    before(async () => {
      sim = await OntapSimulator.start({ mode: 'cmode' });
      // Retries stay quick: the driver's own (netapp_api_tries) and the task queue's.
      svc = await startTestService({ backends: { ontap: simOptions(sim, flavour) } });
      base = svc.url!;
    });
    after(async () => {
      await svc?.cleanup();
      await sim?.stop();
    });

    test('EAPIERROR on every LUN create: volume in error, a message naming the ONTAP error, nothing left', async () => {
      sim.inject({ match: lunCreate, kind: 'eapierror' });
      const v = await createAndWait('doomed');
      assert.equal(v.status, 'error');
      // The driver retried EAPIERROR netapp_api_tries (3) times, and every try was refused.
      assert.equal(sim.faultHits().eapierror, 3);
      assert.equal(sim.callCount(lunCreate), 3);

      const m = await call('GET', `/messages?resource_uuid=${v.id}`);
      assert.equal(m.status, 200);
      assert.equal(m.json.messages.length, 1, JSON.stringify(m.json));
      const text = m.json.messages[0].user_message as string;
      // The message names the backend, the ONTAP call and its errno; ONTAP's own reason text is
      // not `safe` (NaApiError), so it stays in the service log. The scheduler did not retry
      // the backend it had just failed on.
      assert.match(text, /^Schedule allocate volume failed: No valid backend for 1 GiB volume /);
      assert.ok(text.includes(`The last backend tried failed with ${svc.config.host}@ontap: netapp_api_error: NetApp API `), text);
      assert.match(text, /failed with errno 13001/);
      assert.match(text, /RetryFilter rejected 2 pools/);
      assert.deepEqual([...sim.state.luns.keys()], [], 'no LUN left on the system');
      assert.deepEqual(sim.state.maps, []);

      // Deleting the errored volume works (there is nothing on the backend to remove).
      assert.equal((await call('DELETE', `/volumes/${v.id}`)).status, 202);
      await waitUntil(async () => ((await call('GET', `/volumes/${v.id}`)).status === 404 ? true : undefined), 20_000, 50);

      // Once ONTAP recovers, the same backend creates volumes again.
      sim.clearFaults();
      const ok = await createAndWait('fine');
      assert.equal(ok.status, 'available');
      assert.equal(sim.state.luns.size, 1);
      assert.equal((await call('DELETE', `/volumes/${ok.id}`)).status, 202);
      await waitUntil(async () => ((await call('GET', `/volumes/${ok.id}`)).status === 404 ? true : undefined), 20_000, 50);
      assert.equal(sim.state.luns.size, 0);
      assert.deepEqual(await svc.db.kysely.selectFrom('volumes').select('id').execute(), [], 'no volume rows left');
    });
  });
}
