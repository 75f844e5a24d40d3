// Wraps a driver so that every method call is counted and timed by backend and operation
// (flint_driver_calls_total, flint_driver_call_duration_seconds). A Proxy keeps the driver's
// shape exactly, so the capability guards (`typeof d[m] === 'function'`) see the same methods.
import { driverCallDuration, driverCalls } from '../util/metrics.js';

export function instrumentDriver<T extends object>(driver: T, backend: string): T {
  // Keyed by the method itself, not its name: a method replaced on the driver (tests do) is
  // wrapped anew instead of the old one being called.
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(driver, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value;
      let w = wrapped.get(value);
      if (!w) {
        const fn = value as (...a: unknown[]) => unknown;
        const record = (started: bigint, outcome: 'ok' | 'error') => {
          driverCalls.inc({ backend, operation: prop, outcome });
          driverCallDuration.observe({ backend, operation: prop }, Number(process.hrtime.bigint() - started) / 1e9);
        };
        w = (...args: unknown[]) => {
          const started = process.hrtime.bigint();
          let result: unknown;
          try {
            result = fn.apply(target, args);
          } catch (e) {
            record(started, 'error');
            throw e;
          }
          if (result instanceof Promise) {
            return result.then((v) => { record(started, 'ok'); return v; }, (e: unknown) => { record(started, 'error'); throw e; });
          }
          record(started, 'ok');
          return result;
        };
        wrapped.set(value, w);
      }
      return w;
    },
  });
}
