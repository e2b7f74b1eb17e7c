import assert from 'node:assert/strict';
import type { EventSink } from '../../../../src/services/events/event-sink';
import { fanOut } from '../../../../src/services/events/fan-out';

describe('fanOut: one EventSink feeding several', () => {
  const owner = { projectId: 'p1', userId: 'u1' };

  it('hands every event to every sink, in one emit', async () => {
    const heard: string[] = [];
    const sink = (name: string): EventSink => ({ emit: async (_o, type, data) => void heard.push(`${name}:${type}:${String(data.run_id)}`) });
    await fanOut(sink('a'), sink('b')).emit(owner, 'run.failed', { run_id: 'r1' });
    assert.deepEqual(heard, ['a:run.failed:r1', 'b:run.failed:r1']);
  });

  it('a failing sink does not keep the others from hearing; the emit then rejects with its error', async () => {
    const heard: string[] = [];
    const broken: EventSink = { emit: async () => Promise.reject(new Error('down')) };
    const ok: EventSink = { emit: async (_o, type) => void heard.push(type) };
    await assert.rejects(fanOut(broken, ok).emit(owner, 'job.stale', {}), /down/);
    assert.deepEqual(heard, ['job.stale']);
  });

  it('with no sinks it does nothing', async () => {
    await fanOut().emit(owner, 'client.silent', {});
  });
});
