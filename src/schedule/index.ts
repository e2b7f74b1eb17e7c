// When does a job run (spec B.5)? Pure functions of the job_schedule and the clock, shared by the
// agent (which starts timers and honours the misfire grace) and the server (which expects runs:
// freshness).
export type { Trigger } from './trigger';
export { triggerFor } from './trigger-for';
export { ScheduleError } from './schedule-error';
export { MISFIRE_GRACE_MS } from './misfire-grace';
export { expectationOf, isIdle, type Expectation } from './expected-runs';
