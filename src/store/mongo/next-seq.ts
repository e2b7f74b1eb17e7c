import type { Model } from 'mongoose';
import type { CounterRecord } from './models';
import { duplicateOf } from './duplicate-of';

/**
 * The next insertion sequence number of a collection, from an atomic $inc on its counter document
 * (found by _id). Numbers of failed inserts are skipped, which keeps the order and costs nothing.
 * Two first-ever upserts of one counter can race on _id; the loser simply increments again.
 */
export async function nextSeq(counters: Model<CounterRecord>, name: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      const counter = await counters
        .findOneAndUpdate({ _id: name }, { $inc: { seq: 1 } }, { upsert: true, new: true })
        .lean<CounterRecord>();
      return counter.seq;
    } catch (err) {
      if (attempt > 0 || !duplicateOf(err)) throw err;
    }
  }
}
