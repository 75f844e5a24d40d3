// E-Series naming and version rules: labels are Flint's UUID as unpadded base32 (E-Series
// labels hold 30 characters, a UUID's text 36), and Web Services versions compare part-wise.

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The 26-character label for a UUID: base32 (RFC 4648) of its 16 bytes, without padding. */
export function uuidToLabel(uuid: string): string {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  const bytes = Buffer.from(hex, 'hex');
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** The UUID a label names, or null when the label is not one of ours. */
export function labelToUuid(label: string): string | null {
  if (!/^[A-Z2-7]{26}$/.test(label)) return null;
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const c of label) {
    value = (value << 5) | B32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  const hex = Buffer.from(bytes.slice(0, 16)).toString('hex');
  if (uuidToLabel(hex) !== label) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `AA.BB.CCCC.DDDD` → numbers; throws on anything else. */
export function parseEsVersion(v: string): [number, number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  if (!m) throw new TypeError(`not a Web Services version: ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}

export function compareEsVersions(a: string, b: string): number {
  const x = parseEsVersion(a);
  const y = parseEsVersion(b);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** Initiator names compare ignoring case and colons (as E-Series reports host ports). */
export function sameInitiator(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/:/g, '').toLowerCase();
  return norm(a) === norm(b);
}
