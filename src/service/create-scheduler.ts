// Builds the configured scheduler from [DEFAULT] options.
import type { FlintConfig } from '../config/flint-config.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { FilterScheduler } from '../scheduler/filter-scheduler.js';

export function createScheduler(cfg: FlintConfig): Scheduler {
  const d = cfg.defaults;
  return new FilterScheduler({
    filters: d.scheduler_default_filters as string[],
    weighers: d.scheduler_default_weighers as string[],
    multipliers: {
      CapacityWeigher: d.capacity_weight_multiplier as number,
      AllocatedCapacityWeigher: d.allocated_capacity_weight_multiplier as number,
      GoodnessWeigher: d.goodness_weight_multiplier as number,
      VolumeNumberWeigher: d.volume_number_multiplier as number,
    },
    schedulerMaxAttempts: d.scheduler_max_attempts as number,
    serviceDownTime: d.service_down_time as number,
  });
}
