// Tokenizer for Cinder's filter/goodness expression language; yields tokens on demand.
import { ExpressionSyntaxError } from './expression-error.js';

export type TokenKind = 'number' | 'string' | 'boolean' | 'name' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** Operators are normalised: `AND`/`&&` → `and`, `OR`/`||` → `or`, `NOT`/`!` → `not`, `<>` → `!=`. */
  text: string;
  value?: number | string | boolean;
  pos: number;
}

const WORD_OPS: Record<string, string> = { and: 'and', AND: 'and', or: 'or', OR: 'or', not: 'not', NOT: 'not' };
const BOOLEANS: Record<string, boolean> = { true: true, True: true, TRUE: true, false: false, False: false, FALSE: false };
const TWO_CHAR_OPS: Record<string, string> = { '<=': '<=', '>=': '>=', '==': '==', '!=': '!=', '<>': '!=', '&&': 'and', '||': 'or' };
const ONE_CHAR_OPS = new Set(['+', '-', '*', '/', '%', '^', '(', ')', ',', '?', ':', '<', '>', '!']);

const isDigit = (c: string) => c >= '0' && c <= '9';
const isNameStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isNamePart = (c: string) => isNameStart(c) || isDigit(c) || c === '.';

/** Lazy tokenizer: the parser pulls tokens, so a hostile 200k-character input fails at its first problem. */
export class Tokenizer {
  private pos = 0;
  private peeked: Token | null = null;

  constructor(private readonly src: string) {}

  peek(): Token {
    if (this.peeked === null) this.peeked = this.read();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = null;
    return t;
  }

  private read(): Token {
    const s = this.src;
    while (this.pos < s.length && (s[this.pos] === ' ' || s[this.pos] === '\t' || s[this.pos] === '\n' || s[this.pos] === '\r')) this.pos++;
    const start = this.pos;
    if (start >= s.length) return { kind: 'end', text: '<end>', pos: start };
    const c = s[start];

    if (isDigit(c) || (c === '.' && isDigit(s[start + 1] ?? ''))) return this.readNumber(start);
    if (c === '"' || c === "'") return this.readString(start, c);
    if (isNameStart(c)) {
      let end = start + 1;
      while (end < s.length && isNamePart(s[end])) end++;
      const word = s.slice(start, end);
      this.pos = end;
      if (Object.hasOwn(WORD_OPS, word)) return { kind: 'op', text: WORD_OPS[word], pos: start };
      if (Object.hasOwn(BOOLEANS, word)) return { kind: 'boolean', text: word, value: BOOLEANS[word], pos: start };
      if (word.endsWith('.')) throw new ExpressionSyntaxError(`name '${word}' ends with '.'`, start);
      return { kind: 'name', text: word, pos: start };
    }
    const two = s.slice(start, start + 2);
    if (Object.hasOwn(TWO_CHAR_OPS, two)) {
      this.pos += 2;
      return { kind: 'op', text: TWO_CHAR_OPS[two], pos: start };
    }
    if (ONE_CHAR_OPS.has(c)) {
      this.pos++;
      return { kind: 'op', text: c === '!' ? 'not' : c, pos: start };
    }
    throw new ExpressionSyntaxError(`unexpected character '${c}'`, start);
  }

  private readNumber(start: number): Token {
    const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(this.src.slice(start, start + 400));
    const text = m![0];
    if (text.length >= 400) throw new ExpressionSyntaxError('number literal too long', start);
    const value = Number(text);
    if (!Number.isFinite(value)) throw new ExpressionSyntaxError(`number ${text.slice(0, 40)} is too large`, start);
    this.pos = start + text.length;
    if (isNameStart(this.src[this.pos] ?? '')) throw new ExpressionSyntaxError(`unexpected character '${this.src[this.pos]}' after number`, this.pos);
    return { kind: 'number', text, value, pos: start };
  }

  private readString(start: number, quote: string): Token {
    let out = '';
    let i = start + 1;
    const s = this.src;
    while (i < s.length && s[i] !== quote) {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      out += s[i];
      i++;
    }
    if (i >= s.length) throw new ExpressionSyntaxError('unterminated string', start);
    this.pos = i + 1;
    return { kind: 'string', text: s.slice(start, i + 1), value: out, pos: start };
  }
}
