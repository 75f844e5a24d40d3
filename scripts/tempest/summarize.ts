// Summarizes a Tempest run from its JUnit XML (stestr last --subunit | subunit2junitxml):
// `N passed, N failed, N skipped`, each failure with its first meaningful error line, skip
// reasons grouped. Exits 1 when a failure is not in the known-bugs file.
//
//   node --import tsx scripts/tempest/summarize.ts RESULTS.xml KNOWN_BUGS.txt
import { readFileSync } from 'node:fs';

interface Result {
  id: string;
  outcome: 'passed' | 'failed' | 'skipped';
  detail: string;
}

const decode = (s: string) => s
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
  .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&');

/** The JUnit XML subunit2junitxml writes is flat: one <testcase> per test, at most one child. */
function parse(xml: string): Result[] {
  const out: Result[] = [];
  const caseRe = /<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(caseRe)) {
    const attrs = m[1]!;
    const body = m[2] ?? '';
    const cls = decode(/classname="([^"]*)"/.exec(attrs)?.[1] ?? '');
    const name = decode(/\bname="([^"]*)"/.exec(attrs)?.[1] ?? '');
    // Tempest ids carry [id-…,tags]; the id without them is what people grep for.
    const id = (cls ? `${cls}.${name}` : name).replace(/\[.*\]$/, '');
    const failure = /<(failure|error)\b[^>]*>([\s\S]*?)<\/\1>|<(failure|error)\b([^>]*)\/>/.exec(body);
    const skip = /<(skip|skipped)\b([^>]*)>([\s\S]*?)<\/\1>|<(skip|skipped)\b([^>]*)\/>/.exec(body);
    if (failure) out.push({ id, outcome: 'failed', detail: decode(failure[2] ?? /message="([^"]*)"/.exec(failure[4] ?? '')?.[1] ?? '') });
    else if (skip) {
      const message = /message="([^"]*)"/.exec(skip[2] ?? skip[5] ?? '')?.[1];
      out.push({ id, outcome: 'skipped', detail: decode((skip[3] ?? '').trim() || message || '') });
    } else out.push({ id, outcome: 'passed', detail: '' });
  }
  return out;
}

/**
 * The line that says what went wrong: the exception line after the last traceback (plus
 * Tempest's `Details:` line, which carries the server's answer), not the stack.
 */
export function firstErrorLine(detail: string): string {
  const lines = detail.split('\n');
  let start = 0;
  lines.forEach((l, i) => { if (l.startsWith('Traceback (most recent call last)')) start = i + 1; });
  let found = '';
  for (let i = start; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.trim() || /^\s/.test(l) || l.startsWith('Traceback')) continue;
    // The message may go on over a few lines (Details: …, a schema error) before the dump.
    const parts = [l.trim()];
    for (let j = i + 1; j < lines.length && parts.length < 4; j++) {
      const next = lines[j]!.trim();
      if (!next || /^(Failed validating|On instance|Traceback)/.test(next)) break;
      parts.push(next);
    }
    found = parts.join(' ');
    break;
  }
  if (!found) found = lines.map((l) => l.trim()).find((l) => l) ?? '(no detail)';
  return found.length > 400 ? `${found.slice(0, 400)}…` : found;
}

/** Known-bugs file: one test id per line; `#` starts a comment. */
function readKnownBugs(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
}

function main(): number {
  const [xmlFile, knownFile] = process.argv.slice(2);
  if (!xmlFile || !knownFile) {
    process.stderr.write('usage: summarize.ts RESULTS.xml KNOWN_BUGS.txt\n');
    return 2;
  }
  let xml = '';
  try { xml = readFileSync(xmlFile, 'utf8'); } catch { /* reported below */ }
  const results = parse(xml);
  if (results.length === 0) {
    process.stdout.write('No Tempest results: the run did not start (see tempest-run.log next to the results).\n');
    return 1;
  }
  const known = readKnownBugs(knownFile);
  const count = (o: Result['outcome']) => results.filter((r) => r.outcome === o).length;
  const failed = results.filter((r) => r.outcome === 'failed');
  // Exact ids: a prefix would also excuse test_volume_extend_when_volume_has_snapshot.
  const isKnown = (r: Result) => known.includes(r.id);
  const unexpected = failed.filter((r) => !isKnown(r));

  const out: string[] = [];
  out.push(`${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`);
  if (failed.length) {
    out.push('', 'Failures:');
    for (const r of [...failed].sort((a, b) => a.id.localeCompare(b.id))) {
      out.push(`  ${isKnown(r) ? '(known bug) ' : ''}${r.id}`, `      ${firstErrorLine(r.detail)}`);
    }
  }
  const skipped = results.filter((r) => r.outcome === 'skipped');
  if (skipped.length) {
    const byReason = new Map<string, number>();
    for (const r of skipped) {
      const reason = r.detail.split('\n')[0]!.trim() || '(no reason given)';
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
    out.push('', 'Skip reasons:');
    for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(3)}  ${reason}`);
  }
  out.push('', unexpected.length
    ? `GATE FAILED: ${unexpected.length} failure(s) not in the known-bugs list.`
    : `GATE PASSED${failed.length ? ` (${failed.length} known Tempest bug(s))` : ''}.`);
  process.stdout.write(`${out.join('\n')}\n`);
  return unexpected.length ? 1 : 0;
}

process.exitCode = main();
