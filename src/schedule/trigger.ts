/** When a job runs: the pure time computation behind one job_schedule (spec B.5). */
export interface Trigger {
  /** 'date' (one-shot at a date), 'interval', 'cron', or 'soon' (no schedule fields: one-shot at now + 2 s). */
  readonly kind: 'date' | 'interval' | 'cron' | 'soon';
  /**
   * The first fire time strictly after `after` (and not before the trigger's start), or null when
   * it will never fire again (one-shot done, end date passed).
   */
  next(after: Date): Date | null;
}
