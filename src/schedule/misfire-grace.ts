/**
 * Misfire grace of the reference (APScheduler's `misfire_grace_time` of 3600 s, spec B.5): a run
 * that could not start on time still runs if at most this late, otherwise it is skipped.
 */
export const MISFIRE_GRACE_MS = 3600_000;
