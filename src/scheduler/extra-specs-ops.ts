// Cinder's extra-spec operators (cinder/scheduler/filters/extra_specs_ops.py), parsed once per request.

/** A capability value prepared once per stats report: lower-cased text and numeric form. */
export interface CapabilityCell {
  raw: string | number | boolean;
  /** Lower-cased text, as Cinder lower-cases both sides before matching. */
  text: string;
  /** The value as a number, NaN if it is not one. */
  num: number;
  /** The value as a boolean (oslo's bool_from_string), undefined if it is not one. */
  bool: boolean | undefined;
}

const TRUE_WORDS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

export function toBool(text: string): boolean | undefined {
  return TRUE_WORDS.has(text) ? true : FALSE_WORDS.has(text) ? false : undefined;
}

// Identical values share one cell: 10,000 pools reporting `speed: 3` touch one object, which stays in cache.
const interned = new Map<string, CapabilityCell>();
const MAX_INTERNED = 100_000;

export function capabilityCell(raw: string | number | boolean): CapabilityCell {
  const id = `${typeof raw}:${String(raw)}`;
  const hit = interned.get(id);
  if (hit !== undefined) return hit;
  const cell = makeCell(raw);
  if (interned.size < MAX_INTERNED) interned.set(id, cell);
  return cell;
}

function makeCell(raw: string | number | boolean): CapabilityCell {
  const text = String(raw).toLowerCase();
  const trimmed = text.trim();
  const num = typeof raw === 'number' ? raw : typeof raw === 'boolean' ? (raw ? 1 : 0) : trimmed === '' ? NaN : Number(trimmed);
  return Object.freeze({ raw, text, num, bool: typeof raw === 'boolean' ? raw : toBool(trimmed) });
}

type Op = '=' | '==' | '!=' | '>=' | '<=' | '<in>' | '<all-in>' | '<is>' | '<or>' | 's==' | 's!=' | 's<' | 's<=' | 's>' | 's>=';
const OPS = new Set<string>(['=', '==', '!=', '>=', '<=', '<in>', '<all-in>', '<is>', '<or>', 's==', 's!=', 's<', 's<=', 's>', 's>=']);
const NUMERIC_OPS = new Set<string>(['=', '==', '!=', '>=', '<=']);
// Index = operator code used by SpecMatcher.matches.
const CODES = ['plain', '=', '==', '!=', '>=', '<=', '<in>', '<all-in>', '<is>', '<or>', 's==', 's!=', 's<', 's<=', 's>', 's>='];

/** One extra-spec requirement such as `>= 10`, `<in> ssd`, `<or> a <or> b`, or a plain value. */
export class SpecMatcher {
  readonly op: Op | 'plain';
  /** The operator as a small integer, so matches() is a switch, not a set lookup. */
  private readonly code: number;
  private readonly numeric: boolean;
  private readonly words: string[];
  private readonly target: number;
  private readonly wantBool: boolean | undefined;

  constructor(readonly requirement: string) {
    const req = requirement.toLowerCase();
    const words = req.split(/\s+/).filter((w) => w !== '');
    const op = words[0];
    if (op !== undefined && OPS.has(op)) {
      this.op = op as Op;
      words.shift();
      // `<or> a <or> b`: keep the alternatives only.
      this.words = this.op === '<or>' ? words.filter((_w, i) => i % 2 === 0) : words;
    } else {
      this.op = 'plain';
      this.words = [req];
    }
    this.code = CODES.indexOf(this.op);
    this.numeric = NUMERIC_OPS.has(this.op);
    this.target = this.words.length > 0 ? Number(this.words[0]) : NaN;
    this.wantBool = this.words.length > 0 ? toBool(this.words[0]) : undefined;
  }

  /** True if the capability satisfies the requirement (Cinder's match()). */
  matches(c: CapabilityCell): boolean {
    const w = this.words;
    if (this.code === 0) return c.text === w[0];
    if (w.length === 0) return false;
    if (this.numeric) {
      // Cinder's float(x) raises on non-numbers; here such a capability simply does not match.
      const x = c.num;
      const y = this.target;
      if (x !== x || y !== y) return false; // NaN
      switch (this.code) {
        case 1: return x >= y; // Cinder's '=' means "at least".
        case 2: return x === y;
        case 3: return x !== y;
        case 4: return x >= y;
        case 5: return x <= y;
      }
      return false;
    }
    switch (this.code) {
      case 6: return c.text.includes(w[0]);
      case 7: return w.every((v) => c.text.includes(v));
      case 8: return this.wantBool !== undefined && c.bool === this.wantBool;
      case 9: return w.includes(c.text);
      case 10: return c.text === w[0];
      case 11: return c.text !== w[0];
      case 12: return c.text < w[0];
      case 13: return c.text <= w[0];
      case 14: return c.text > w[0];
      case 15: return c.text >= w[0];
    }
    return false;
  }

  /** Whether a numeric operator was given a value that is not a number (explains a mismatch). */
  numericMismatch(c: CapabilityCell): boolean {
    return this.numeric && Number.isNaN(c.num);
  }
}
