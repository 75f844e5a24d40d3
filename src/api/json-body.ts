// Request bodies as JSON: refused before parsing when nested deeper than any request needs
// (a deep body otherwise overflows the stack of whatever walks it), and never with `__proto__`.
import { InvalidInput } from '../errors/errors.js';

/** The deepest request body (a volume's metadata inside the volume inside the body) is 3 levels. */
export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The nesting depth of JSON text, scanning at most until it exceeds `max` (strings skipped). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/** Parses a request body; undefined for an empty one. Throws InvalidInput saying what is wrong. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new InvalidInput(`Malformed request body: JSON nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  try {
    // A `__proto__` key is refused outright: no body may reach a prototype through a later merge.
    // Such a key is written either plainly or with \u escapes (JSON has no other escape for
    // these letters); a body with neither is parsed without the per-value reviver.
    if (!text.includes('__proto__') && !text.includes('\\u')) return JSON.parse(text);
    return JSON.parse(text, (k, v) => {
      if (k === '__proto__') throw new SyntaxError('the key __proto__ is not allowed');
      return v;
    });
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new InvalidInput(`Malformed request body: ${detail.slice(0, 200)}`);
  }
}
