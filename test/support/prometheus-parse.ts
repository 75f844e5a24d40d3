// Parses Prometheus text exposition with the Prometheus project's own parser (Debian's
// python3-prometheus-client), so a test checks what a real scraper would accept.
import { execFileSync } from 'node:child_process';

export interface Sample { name: string; labels: Record<string, string>; value: number }

const PARSER = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        out.append({"family": fam.name, "type": fam.type, "name": s.name, "labels": s.labels, "value": s.value})
json.dump(out, sys.stdout)
`;

/** Every sample of the exposition; throws (with the parser's error) on text a scraper would refuse. */
export function parsePrometheusText(text: string): (Sample & { family: string; type: string })[] {
  const raw = execFileSync('/usr/bin/python3', ['-c', PARSER], { input: text, maxBuffer: 64 * 1024 * 1024 }).toString();
  return JSON.parse(raw, (_k, v) => (v === 'NaN' ? Number.NaN : v));
}

/** The value of one sample (labels must all match), or undefined. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
