/**
 * The cost of a schedule's next fire time, for the rare and the impossible cron dates (the agent
 * asks this on every tick of every job): per-call time of next() over consecutive fire times
 * for "every Feb 29" and "last fri", and the time to answer "never" for impossible dates.
 * Figures, not assertions: a unit test must not depend on how busy the machine is.
 *
 *   node dist/bench/schedule-next.js [calls=1000]
 */
import { triggerFor } from '../src/schedule';

const now = new Date(Date.UTC(2025, 0, 15, 10, 0, 0));

function perCallMs(schedule: Parameters<typeof triggerFor>[0], calls: number): number {
  const trigger = triggerFor(schedule, now);
  const started = process.hrtime.bigint();
  let at: Date | null = now;
  let done = 0;
  for (; done < calls && at; done++) at = trigger.next(at);
  return Number(process.hrtime.bigint() - started) / 1e6 / done;
}

function main(): void {
  const calls = Number(process.argv[2] ?? 1000);
  for (const schedule of [{ schedule_month: '2', schedule_day: '29' }, { schedule_day: 'last fri' }]) {
    console.log(`${JSON.stringify(schedule)}: ${perCallMs(schedule, calls).toFixed(4)} ms per next() over ${calls} fire times`);
  }
  for (const schedule of [{ schedule_month: '2', schedule_day: '30' }, { schedule_month: '6', schedule_week: '1' },
    { schedule_day: '31', schedule_month: '4,6,9,11' }, { schedule_year: '2025', schedule_week: '53' }]) {
    console.log(`${JSON.stringify(schedule)} (never fires): ${perCallMs(schedule, 1).toFixed(3)} ms to answer null`);
  }
}

main();
