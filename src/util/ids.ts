// Ids come from here so tests can control them.
import { randomUUID, randomBytes } from 'node:crypto';

let generator: () => string = randomUUID;
export function newId(): string {
  return generator();
}
export function setIdGenerator(g: () => string): void {
  generator = g;
}
/** A random secret of `length` URL-safe characters (CHAP secrets, passwords). */
export function randomSecret(length = 16): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(length);
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[bytes[i]! % alphabet.length];
  return s;
}
export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
