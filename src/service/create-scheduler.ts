// Builds the configured scheduler from its typed settings.
import type { SchedulerSettings } from '../config/settings.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { FilterScheduler } from '../scheduler/filter-scheduler.js';

export function createScheduler(s: SchedulerSettings): Scheduler {
  return new FilterScheduler({
    filters: s.filters,
    weighers: s.weighers,
    multipliers: { ...s.multipliers },
    schedulerMaxAttempts: s.maxAttempts,
    serviceDownTime: s.serviceDownTime,
  });
}
