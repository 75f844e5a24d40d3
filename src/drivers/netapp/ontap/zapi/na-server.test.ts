import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NaServer, defaultPort } from './na-server.js';
import { NaElement } from './na-element.js';
import { NaApiError, NaAuthError, NaHttpError, NaTransportError } from './na-errors.js';
import { OntapSimulator } from '../../../../../test/sim/ontap/ontap-simulator.js';

function server(sim: OntapSimulator, extra: Partial<ConstructorParameters<typeof NaServer>[0]> = {}): NaServer {
  return new NaServer({
    host: '127.0.0.1', port: sim.port, transportType: 'http', username: sim.username, password: sim.password,
    vserver: sim.state.vserver, backoffMs: 1, timeoutMs: 2000, ...extra,
  });
}

describe('NaServer over ZAPI (cluster simulator)', () => {
  let sim: OntapSimulator;
  before(async () => {
    sim = await OntapSimulator.start({ mode: 'cmode' });
  });
  after(() => sim.stop());

  test('negotiates the ONTAPI version and sends it with the vserver in the envelope', async () => {
    const s = server(sim);
    assert.deepEqual(await s.negotiateVersion(), { major: 1, minor: 180 });
    const env = s.envelope(new NaElement('lun-get-iter'), true);
    assert.match(env, /<netapp xmlns="http:\/\/www.netapp.com\/filer\/admin" version="1.180" vfiler="svm1">/);
    assert.doesNotMatch(s.envelope(new NaElement('system-get-ontapi-version'), false), /vfiler=/);
    s.close();
  });

  test('status="failed" raises NaApiError with errno and reason', async () => {
    const s = server(sim);
    await assert.rejects(
      s.invokeSuccessfully(NaElement.create('lun-destroy', { path: '/vol/vol1/nope' })),
      (e: unknown) => e instanceof NaApiError && e.errno === '9017' && /No such LUN/.test(e.reason) && e.api === 'lun-destroy',
    );
    // invokeElem returns the failed results instead of throwing.
    const res = await s.invokeElem(NaElement.create('lun-destroy', { path: '/vol/vol1/nope' }));
    assert.equal(res.getAttr('status'), 'failed');
    assert.equal(res.getAttr('errno'), '9017');
    s.close();
  });

  test('unknown APIs and untunnelled vserver calls fail with EAPINOTFOUND; an unknown vserver with EVSERVERNOTFOUND', async () => {
    const s = server(sim);
    await assert.rejects(s.invokeSuccessfully(new NaElement('no-such-api')), (e: unknown) => e instanceof NaApiError && e.errno === '13005');
    await assert.rejects(s.invokeSuccessfully(new NaElement('lun-get-iter'), false), (e: unknown) => e instanceof NaApiError && e.errno === '13005');
    s.setVserver('other');
    await assert.rejects(s.invokeSuccessfully(new NaElement('lun-get-iter')), (e: unknown) => e instanceof NaApiError && e.errno === '15698');
    s.close();
  });

  test('iterate follows next-tag to the end', async () => {
    for (let i = 0; i < 7; i++) sim.state.createLun(`/vol/vol1/page-${i}`, 8 * 1024 * 1024, 'linux', false);
    const s = server(sim);
    sim.resetCalls();
    const recs = await s.iterate('lun-get-iter', { query: { 'lun-info': { volume: 'vol1' } } }, 3);
    assert.deepEqual(recs.map((r) => r.getChildContent('path')).filter((p) => p?.includes('page-')).sort(), [0, 1, 2, 3, 4, 5, 6].map((i) => `/vol/vol1/page-${i}`));
    assert.equal(sim.callCount('lun-get-iter'), 3, 'seven records at three per page take three calls');
    s.close();
  });

  test('a wrong password is NaAuthError (HTTP 401) and the password is not in the message', async () => {
    const s = server(sim, { password: 'Sup3r-Secret' });
    await assert.rejects(s.negotiateVersion(), (e: unknown) => e instanceof NaAuthError && e.status === 401 && !e.message.includes('Sup3r-Secret'));
    s.close();
  });

  test('EAPIERROR and 5xx are retried; a persistent fault surfaces after the configured tries', async () => {
    const s = server(sim, { tries: 3 });
    sim.inject({ match: 'system-get-ontapi-version', kind: 'eapierror', times: 2 });
    assert.equal((await s.negotiateVersion()).minor, 180);
    sim.clearFaults();
    sim.inject({ match: 'system-get-ontapi-version', kind: 'http503' });
    sim.resetCalls();
    await assert.rejects(s.negotiateVersion(), (e: unknown) => e instanceof NaHttpError && e.status === 503 && /3 attempts/.test(e.message));
    assert.equal(sim.callCount('system-get-ontapi-version'), 3);
    sim.clearFaults();
    s.close();
  });

  test('a dropped connection and a slow reply are NaTransportError (reset / timeout)', async () => {
    const s = server(sim, { tries: 1, timeoutMs: 150 });
    sim.inject({ match: 'system-get-ontapi-version', kind: 'drop', times: 1 });
    await assert.rejects(s.negotiateVersion(), (e: unknown) => e instanceof NaTransportError && e.kind === 'reset');
    sim.inject({ match: 'system-get-ontapi-version', kind: 'delay', delayMs: 600, times: 1 });
    await assert.rejects(s.negotiateVersion(), (e: unknown) => e instanceof NaTransportError && e.kind === 'timeout' && /no reply within 150 ms/.test(e.message));
    sim.clearFaults();
    s.close();
  });

  test('a closed port is NaTransportError (connect)', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const s = new NaServer({ host: '127.0.0.1', port, transportType: 'http', username: 'a', password: 'b', tries: 1 });
    await assert.rejects(s.negotiateVersion(), (e: unknown) => e instanceof NaTransportError && e.kind === 'connect');
    s.close();
  });

  test('GET on the servlet is refused as ZAPI does; DFM and filer ports and URLs differ', async () => {
    const res = await fetch(`http://127.0.0.1:${sim.port}/servlets/netapp.servlets.admin.XMLrequest_filer`, {
      headers: { Authorization: 'Basic ' + Buffer.from(`${sim.username}:${sim.password}`).toString('base64') },
    });
    const results = NaElement.parse(await res.text()).getChildByName('results')!;
    assert.equal(results.getAttr('errno'), 'Not_Allowed');
    assert.equal(defaultPort('FILER', 'https'), 443);
    assert.equal(defaultPort('DFM', 'http'), 8088);
    assert.match(new NaServer({ host: 'h', serverType: 'DFM', transportType: 'http' }).url, /^http:\/\/h:8088\/apis\/XMLrequest$/);
  });
});

describe('NaServer over HTTPS', () => {
  let dir: string;
  let sim: OntapSimulator;
  let cert: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ontap-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    sim = await OntapSimulator.start({ mode: 'cmode', tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert } });
  });
  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('refuses an untrusted self-signed certificate by default, without retrying', async () => {
    const s = new NaServer({ host: '127.0.0.1', port: sim.port, transportType: 'https', username: sim.username, password: sim.password, backoffMs: 1 });
    sim.resetCalls();
    await assert.rejects(s.negotiateVersion(), (e: unknown) => e instanceof NaTransportError && e.kind === 'tls' && /netapp_ca_cert/.test(e.message));
    assert.equal(sim.callCount(), 0, 'no request reached the server');
    s.close();
  });

  test('certificate style authenticates with a client certificate and sends no password', async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=flint-client',
      '-keyout', join(dir, 'ckey.pem'), '-out', join(dir, 'ccert.pem'),
    ], { stdio: 'ignore' });
    const clientCert = readFileSync(join(dir, 'ccert.pem'), 'utf8');
    const csim = await OntapSimulator.start({ mode: 'cmode', tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert, clientCa: clientCert } });
    try {
      const s = new NaServer({ host: '127.0.0.1', port: csim.port, transportType: 'https', caCert: cert, certificate: { cert: clientCert, key: readFileSync(join(dir, 'ckey.pem'), 'utf8') } });
      assert.equal(s.style, 'CERTIFICATE');
      assert.equal((await s.negotiateVersion()).major, 1);
      s.close();
      const anon = new NaServer({ host: '127.0.0.1', port: csim.port, transportType: 'https', caCert: cert, username: 'admin', password: 'wrong' });
      await assert.rejects(anon.negotiateVersion(), NaAuthError);
      anon.close();
    } finally {
      await csim.stop();
    }
  });

  test('trusts the certificate when given as CA', async () => {
    const s = new NaServer({ host: '127.0.0.1', port: sim.port, transportType: 'https', username: sim.username, password: sim.password, caCert: cert });
    assert.equal((await s.negotiateVersion()).major, 1);
    s.close();
  });
});
