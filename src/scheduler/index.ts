// The scheduler's public face: the filter scheduler, its error, and explanation text for people.
export * from './scheduler.js';
export { FilterScheduler, NoValidBackendError, DEFAULT_FILTERS, DEFAULT_WEIGHERS, type FilterSchedulerConfig } from './filter-scheduler.js';
export { formatExplanation } from './explanation.js';
