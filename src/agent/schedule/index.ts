// Trigger computation of the scheduler agent (spec B.5): when does a job run? Pure functions of
// the job_schedule and the clock; starting timers and honouring the misfire grace is the caller's job.
export type { Trigger } from './trigger';
export { triggerFor } from './trigger-for';
export { ScheduleError } from './schedule-error';
export { MISFIRE_GRACE_MS } from './misfire-grace';
