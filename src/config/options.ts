// Typed option declarations and their validation; an invalid value names option,
// section and what is allowed.
import { ConfigError } from '../errors/errors.js';

export type OptionType = 'string' | 'int' | 'float' | 'bool' | 'enum' | 'list';

export interface OptionSpec {
  name: string;
  type: OptionType;
  help: string;
  default?: string | number | boolean | string[] | null;
  required?: boolean;
  /** For `enum`. */
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Never logged; shown as *** in dumps. */
  secret?: boolean;
  /** Accepted for Cinder compatibility under an older name. */
  deprecatedNames?: string[];
}

export type OptionValue = string | number | boolean | string[] | null;
export type OptionValues = Readonly<Record<string, OptionValue>>;

function parseBool(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0'].includes(v)) return false;
  return undefined;
}

export function parseOption(spec: OptionSpec, raw: string | boolean | number, section: string): OptionValue {
  const where = `option ${spec.name} in section [${section}]`;
  const text = String(raw).trim();
  switch (spec.type) {
    case 'string':
      return text;
    case 'bool': {
      const b = typeof raw === 'boolean' ? raw : parseBool(text);
      if (b === undefined) throw new ConfigError(`Invalid ${where}: '${text}' is not a boolean (allowed: true, false).`);
      return b;
    }
    case 'int':
    case 'float': {
      // Decimal only: Number() alone would also take '0x10', '0b11' or '1e3' as an int.
      const syntax = spec.type === 'int' ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
      const n = Number(text);
      if (!syntax.test(text) || !Number.isFinite(n)) {
        throw new ConfigError(`Invalid ${where}: '${text}' is not ${spec.type === 'int' ? 'an integer' : 'a number'}.`);
      }
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(`Invalid ${where}: ${n} is below the minimum ${spec.min}.`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(`Invalid ${where}: ${n} is above the maximum ${spec.max}.`);
      return n;
    }
    case 'enum':
      if (!spec.choices?.includes(text)) {
        throw new ConfigError(`Invalid ${where}: '${text}' is not allowed (allowed: ${spec.choices?.join(', ')}).`);
      }
      return text;
    case 'list':
      return text === '' ? [] : text.split(',').map((s) => s.trim()).filter(Boolean);
  }
}

/**
 * Validates one section: every key must be declared, every value parse, every required
 * option be present. Returns values with defaults filled in.
 */
export function resolveOptions(
  section: string,
  raw: Record<string, string | boolean | number>,
  specs: readonly OptionSpec[],
  ignore: readonly string[] = [],
): Record<string, OptionValue> {
  const byName = new Map<string, OptionSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const d of s.deprecatedNames ?? []) byName.set(d, s);
  }
  const out: Record<string, OptionValue> = {};
  // Copy list defaults so a caller mutating its values cannot change the spec's default.
  for (const s of specs) out[s.name] = s.default === undefined ? null : Array.isArray(s.default) ? [...s.default] : s.default;
  for (const [key, value] of Object.entries(raw)) {
    if (ignore.includes(key)) continue;
    const spec = byName.get(key);
    if (!spec) {
      const known = [...new Set(specs.map((s) => s.name))].sort().join(', ');
      throw new ConfigError(`Unknown option ${key} in section [${section}]. Known options: ${known}.`);
    }
    out[spec.name] = parseOption(spec, value, section);
  }
  for (const s of specs) {
    if (s.required && (out[s.name] === null || out[s.name] === '')) {
      throw new ConfigError(`Missing required option ${s.name} in section [${section}]: ${s.help}`);
    }
  }
  return out;
}

/** Typed accessors for drivers: `opt.int('reserved_percentage')`. */
export class Options {
  constructor(readonly values: OptionValues, private readonly section: string) {}
  private get(name: string): OptionValue {
    if (!(name in this.values)) throw new ConfigError(`Option ${name} is not declared for section [${this.section}].`);
    return this.values[name]!;
  }
  str(name: string): string { const v = this.get(name); return v === null ? '' : String(v); }
  optStr(name: string): string | null { const v = this.get(name); return v === null || v === '' ? null : String(v); }
  int(name: string): number { return Number(this.get(name)); }
  num(name: string): number { return Number(this.get(name)); }
  bool(name: string): boolean { return this.get(name) === true; }
  list(name: string): string[] { const v = this.get(name); return Array.isArray(v) ? v : []; }
}
