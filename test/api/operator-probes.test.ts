// /healthz, /readyz and /metrics through the real service: the exposition parses with the
// Prometheus project's parser, and counters move when work happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, expectStatus, freePort } from '../support/http.js';
import { startTestService, waitUntil } from '../support/test-service.js';
import { parsePrometheusText, sampleValue, type Sample } from '../support/prometheus-parse.js';

async function scrape(url: string): Promise<Sample[]> {
  const r = await fetch(`${url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await r.text());
}

test('health, readiness and metrics answer without a token and count real work', async () => {
  const svc = await startTestService({ backends: { fake1: { volume_driver: 'fake' } } });
  try {
    const url = svc.url!;
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });

    const ready = await waitUntil(async () => {
      const r = await fetch(`${url}/readyz`);
      return r.status === 200 ? r.json() : undefined;
    });
    assert.deepEqual(ready, { status: 'ready', reasons: [] });

    const before = await scrape(url);
    const api = apiClient(url, 'p1');
    const v = expectStatus(await api('POST', '/volumes', { volume: { size: 1, name: 'm1' } }), 202).volume;
    await waitUntil(async () => (expectStatus(await api('GET', `/volumes/${v.id}`), 200).volume.status === 'available' ? true : undefined));
    expectStatus(await api('GET', '/volumes/no-such-volume'), 404);
    const after = await scrape(url);

    const created = { route: '/v3/:projectId/volumes', method: 'POST', status: '202' };
    assert.equal((sampleValue(after, 'flint_http_requests_total', created) ?? 0) - (sampleValue(before, 'flint_http_requests_total', created) ?? 0), 1);
    assert.ok((sampleValue(after, 'flint_http_requests_total', { route: '/v3/:projectId/volumes/:id', method: 'GET', status: '404' }) ?? 0) >= 1);
    assert.ok((sampleValue(after, 'flint_http_request_duration_seconds_count', { route: '/v3/:projectId/volumes', method: 'POST' }) ?? 0) >= 1);
    // The create ran through the scheduler and the fake driver.
    assert.ok((sampleValue(after, 'flint_scheduler_placements_total', { outcome: 'placed' }) ?? 0) >= 1);
    assert.ok((sampleValue(after, 'flint_driver_calls_total', { backend: 'fake1', operation: 'createVolume', outcome: 'ok' }) ?? 0) >= 1);
    assert.ok((sampleValue(after, 'flint_tasks_total', { kind: 'create_volume', outcome: 'done' }) ?? 0) >= 1);
    // Pool gauges come from the backend's stats report, in bytes.
    const total = sampleValue(after, 'flint_pool_capacity_bytes', { backend: 'fake1', kind: 'total' });
    assert.ok(total !== undefined && total > 0 && total % 1024 ** 3 === 0, `pool total ${total}`);
    // Every family has Flint's prefix; no raw URL leaks into a label.
    assert.ok(after.every((s) => s.name.startsWith('flint_')), after.find((s) => !s.name.startsWith('flint_'))?.name);
    assert.ok(!after.some((s) => s.labels.route?.includes(v.id)));
  } finally {
    await svc.cleanup();
  }
});

test('/readyz names a configured backend that is not reporting', async () => {
  // Only the API role runs here, so backend `lonely` never reports.
  const svc = await startTestService({ backends: { lonely: { volume_driver: 'fake' } }, roles: ['api'] });
  try {
    const r = await fetch(`${svc.url}/readyz`);
    assert.equal(r.status, 503);
    const body = await r.json() as { status: string; reasons: string[] };
    assert.equal(body.status, 'not ready');
    assert.equal(body.reasons.length, 1);
    assert.match(body.reasons[0]!, /backend \S+@lonely has not reported yet/);
  } finally {
    await svc.cleanup();
  }
});

test('a process without the API role serves the probes on metrics_listen', async () => {
  const port = await freePort();
  const svc = await startTestService({ backends: { b1: { volume_driver: 'fake' } }, roles: ['scheduler', 'volume@b1'], defaults: { metrics_listen: `127.0.0.1:${port}` } });
  try {
    assert.equal(svc.url, null);
    const ready = await waitUntil(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      return r.status === 200 ? r.json() : undefined;
    });
    assert.deepEqual(ready, { status: 'ready', reasons: [] });
    const samples = await scrape(`http://127.0.0.1:${port}`);
    assert.ok((sampleValue(samples, 'flint_driver_calls_total', { backend: 'b1', operation: 'getVolumeStats', outcome: 'ok' }) ?? 0) >= 1);
  } finally {
    await svc.cleanup();
  }
});
