// Time comes from here so tests can control it.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

let current: Clock = systemClock;
export function clock(): Clock {
  return current;
}
export function setClock(c: Clock): void {
  current = c;
}
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** The current time as stored in the database (ISO 8601, UTC). */
export const nowIso = () => clock().now().toISOString();
