// The Tempest gate's summarizer on a results file shaped like subunit2junitxml's: counts,
// first error lines, grouped skip reasons, and the exit code the gate relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SUMMARIZE = fileURLToPath(new URL('../../scripts/tempest/summarize.ts', import.meta.url));
const KNOWN = 'tempest.api.volume.test_volumes_extend.VolumesExtendTest.test_volume_extend';

function run(xml: string, known: string): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'summarize-'));
  writeFileSync(join(dir, 'r.xml'), xml);
  writeFileSync(join(dir, 'known.txt'), known);
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', SUMMARIZE, join(dir, 'r.xml'), join(dir, 'known.txt')], (err, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, out: stdout });
    });
  });
}

const tc = (cls: string, name: string, body = '') =>
  body ? `<testcase classname="${cls}" name="${name}" time="0.1">${body}</testcase>` : `<testcase classname="${cls}" name="${name}" time="0.1"/>`;
const failure = (text: string) => `<failure type="testtools.testresult.real._StringException">${text}</failure>`;
const TRACE = (exc: string) => `_StringException: pythonlogging:'': {{{
2026 DEBUG request &lt;omitted&gt;
}}}

Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/tempest/lib/common/rest_client.py", line 997, in validate_response
    jsonschema.validate(body, body_schema,
${exc}

Failed validating 'additionalProperties' in schema
`;

test('counts, first error lines, skip reasons; a known bug alone passes the gate', async () => {
  const xml = `<testsuite errors="0" failures="2" name="" tests="5" time="1">
${tc('tempest.api.volume.test_a.A', 'test_ok[id-1,smoke]')}
${tc('tempest.api.volume.test_a.A', 'test_skip[id-2]', '<skip>Cinder backup feature disabled</skip>')}
${tc('tempest.api.volume.test_b.B', 'test_skip2[id-3]', '<skip>Cinder backup feature disabled</skip>')}
${tc('tempest.api.volume.test_volumes_extend.VolumesExtendTest', 'test_volume_extend[id-9]', failure(TRACE("AttributeError: type object 'VolumesExtendTest' has no attribute 'images_client'")))}
</testsuite>`;
  const { code, out } = await run(xml, `# a comment\n${KNOWN}\n`);
  assert.equal(code, 0, out);
  assert.match(out, /^1 passed, 1 failed, 2 skipped$/m);
  assert.match(out, /\(known bug\) tempest\.api\.volume\.test_volumes_extend\.VolumesExtendTest\.test_volume_extend\n\s+AttributeError: type object 'VolumesExtendTest' has no attribute 'images_client'/);
  assert.match(out, /^\s+2 {2}Cinder backup feature disabled$/m);
  assert.match(out, /GATE PASSED \(1 known Tempest bug/);
});

test('any other failure fails the gate, named with its exception line; known bugs match exactly, not by prefix', async () => {
  const xml = `<testsuite>
${tc('tempest.api.volume.test_volumes_extend.VolumesExtendTest', 'test_volume_extend_when_volume_has_snapshot[id-8]', failure(TRACE("jsonschema.exceptions.ValidationError: Additional properties are not allowed ('qos_specs_id' was unexpected)")))}
${tc('', 'setUpClass (tempest.api.volume.test_c.C)', failure('Traceback (most recent call last):\n  File "x", line 1\ntempest.lib.exceptions.NotFound: Object not found\nDetails: {\'code\': 404}\n'))}
</testsuite>`;
  const { code, out } = await run(xml, `${KNOWN}\n`);
  assert.equal(code, 1, out);
  assert.match(out, /^0 passed, 2 failed, 0 skipped$/m);
  assert.match(out, /test_volume_extend_when_volume_has_snapshot\n\s+jsonschema\.exceptions\.ValidationError: Additional properties are not allowed \('qos_specs_id' was unexpected\)/);
  assert.match(out, /setUpClass \(tempest\.api\.volume\.test_c\.C\)\n\s+tempest\.lib\.exceptions\.NotFound: Object not found Details: \{'code': 404\}/);
  assert.doesNotMatch(out, /known bug/);
  assert.match(out, /GATE FAILED: 2 failure\(s\)/);
});

test('no results at all (Tempest did not start) fails the gate', async () => {
  const { code, out } = await run('', '');
  assert.equal(code, 1);
  assert.match(out, /No Tempest results/);
});
