/** A job_schedule whose trigger cannot be computed; the message names the field and its value. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}
