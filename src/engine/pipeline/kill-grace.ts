/**
 * Between the SIGTERM and the SIGKILL sent to a process group that is stopped (an aborted engine
 * pipeline, an aborted or timed-out exec action): the README promises 3 s.
 */
export const KILL_GRACE_MS = 3000;
