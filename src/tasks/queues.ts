// Names of the task queues: one for the scheduler, one per backend and service kind.

/** The queue every scheduler process claims placement work from. */
export const SCHEDULER_QUEUE = 'scheduler';

/** `host@backend#pool` → `host@backend` */
export function backendHostOf(poolHost: string): string {
  const i = poolHost.indexOf('#');
  return i < 0 ? poolHost : poolHost.slice(0, i);
}

/** The queue of the volume manager of `host@backend`. */
export const volumeQueue = (backendHost: string) => `volume@${backendHost}`;

/** The queue of the share manager of `host@backend`. */
export const shareQueue = (backendHost: string) => `share@${backendHost}`;
