import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { formatLeaseOwner, judgeLeaseOwner, newLeaseOwner, parseLeaseOwner } from './lease-owner.js';

const mine = () => parseLeaseOwner(newLeaseOwner('volume@h@b'))!;

test('an owner id names its host, pid, PID namespace, start and role, and parses back', () => {
  const id = newLeaseOwner('h@b');
  const o = parseLeaseOwner(id)!;
  assert.equal(o.pid, process.pid);
  assert.equal(o.role, 'h@b');
  assert.match(o.pidNamespace ?? '', /^[0-9a-f]{16}\.\d+$/);
  assert.match(o.startTicks ?? '', /^\d+$/);
  assert.equal(formatLeaseOwner(o), id);
  assert.equal(judgeLeaseOwner(id), 'alive');
  // A long role is cut, never the fields that are judged, and the id fits the column.
  const long = newLeaseOwner('x'.repeat(400));
  assert.ok(long.length <= 255);
  assert.equal(parseLeaseOwner(long)?.pidNamespace, o.pidNamespace);
});

test('ids of older releases and of tests cannot be judged: their leases run out', () => {
  for (const id of [`vm:999991:volume:1`, 'survivor', 'lease2|vm|x|a.1|1|r|1']) {
    assert.equal(judgeLeaseOwner(id), 'unknown', id);
  }
});

test('an owner of another PID namespace or machine, or one that wrote no namespace, is not judged', () => {
  const o = mine();
  const [boot, ino] = o.pidNamespace!.split('.');
  for (const pidNamespace of [`${boot}.${Number(ino) + 1}`, `0000000000000000.${ino}`, null]) {
    // A pid that is free here: judged by pid alone it would look dead.
    assert.equal(judgeLeaseOwner(formatLeaseOwner({ ...o, pid: 999_999, pidNamespace })), 'unknown', String(pidNamespace));
  }
});

test('a process that exited is dead; one with the pid but another start time reused it', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const pid = child.pid!;
  const { readFileSync } = await import('node:fs');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
  const o = mine();
  assert.equal(judgeLeaseOwner(formatLeaseOwner({ ...o, pid, startTicks: start })), 'alive');
  assert.equal(judgeLeaseOwner(formatLeaseOwner({ ...o, pid, startTicks: String(Number(start) - 1) })), 'dead', 'the pid was reused');
  assert.equal(judgeLeaseOwner(formatLeaseOwner({ ...o, pid, startTicks: null })), 'alive', 'no start recorded: the pid decides');
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal(judgeLeaseOwner(formatLeaseOwner({ ...o, pid, startTicks: start })), 'dead');
  // This pid, another start: the process that had the pid before this one.
  assert.equal(judgeLeaseOwner(formatLeaseOwner({ ...o, startTicks: String(Number(o.startTicks) - 1) })), 'dead');
});
