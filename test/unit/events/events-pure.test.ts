import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { retryDelayMs } from '../../../src/services/events/backoff';
import { parseEventTypes } from '../../../src/services/events/event-types';
import { eventVisible } from '../../../src/services/events/events-service';
import { webhookSignature } from '../../../src/services/events/webhook-signature';
import { BadRequestError } from '../../../src/errors';
import { sseFrame } from '../../../src/http/events/event-stream';
import { assertKnownParams, integerParam } from '../../../src/http/events/query-params';

describe('events: pure parts', () => {
  it('backoff doubles from the base delay up to the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, 100, 1000)), [100, 200, 400, 800, 1000]);
    assert.equal(retryDelayMs(500, 10_000, 3_600_000), 3_600_000);
  });

  it('signs timestamp.body with HMAC-SHA256 of the secret, as a receiver recomputes it', () => {
    const sig = webhookSignature('k', '1700000000', '{"a":1}');
    assert.equal(sig, `sha256=${createHmac('sha256', 'k').update('1700000000.{"a":1}').digest('hex')}`);
    assert.notEqual(webhookSignature('k', '1700000001', '{"a":1}'), sig, 'the timestamp is signed');
  });

  it('parses ?types=, naming unknown types', () => {
    assert.equal(parseEventTypes(undefined), null);
    assert.equal(parseEventTypes(' , '), null);
    assert.deepEqual(parseEventTypes('run.failed, job.stale,run.failed'), ['run.failed', 'job.stale']);
    assert.deepEqual(parseEventTypes(['run.failed', 'client.silent']), ['run.failed', 'client.silent']);
    assert.throws(() => parseEventTypes('run.failed,run.boom,x'), (e: unknown) => e instanceof BadRequestError && /unknown event types 'run\.boom', 'x'/.test(e.message));
  });

  it('shows an event to its own scope only (v2 project and user; v1 the user, limited to readable projects)', () => {
    const e = { user_id: 'alice', project_id: 'pA' };
    assert.equal(eventVisible({ userId: 'alice', projectId: 'pA' }, e), true);
    assert.equal(eventVisible({ userId: 'alice', projectId: 'pB' }, e), false);
    assert.equal(eventVisible({ userId: 'bob', projectId: 'pA' }, e), false);
    assert.equal(eventVisible({ userId: 'alice', projectId: null }, e), true);
    assert.equal(eventVisible({ userId: 'alice', projectId: null, projects: { read: [], write: [] } }, e), false);
    assert.equal(eventVisible({ userId: 'alice', projectId: null, projects: { read: [], write: [] } }, { user_id: 'alice', project_id: null }), true);
  });

  it('frames a server-sent event with id, event and one data line', () => {
    const frame = sseFrame({ id: 5, type: 'run.failed', time: 1.5, project_id: 'p', data: { msg: 'a\nb' } });
    assert.equal(frame, 'id: 5\nevent: run.failed\ndata: {"id":5,"type":"run.failed","time":1.5,"project_id":"p","data":{"msg":"a\\nb"}}\n\n');
  });

  it('refuses unknown query parameters and out-of-range integers by name', () => {
    assert.throws(() => assertKnownParams({ limit: '1', colour: 'x' }, ['limit']), /unknown query parameter 'colour' \(known: limit\)/);
    assert.throws(() => assertKnownParams({ a: '1' }, []), /this route takes none/);
    assert.equal(integerParam('limit', undefined, 7, 1, 10), 7);
    assert.equal(integerParam('limit', ['3', '4'], 7, 1, 10), 4);
    assert.throws(() => integerParam('limit', '11', 7, 1, 10), /limit: must be a whole number from 1 to 10/);
    assert.throws(() => integerParam('since', '1e3', 0, 0, 100), /since/);
  });
});
