import assert from 'node:assert/strict';
import {
  EVENT_INDEXES,
  claimFilter,
  eventDoc,
  eventPageFilter,
  finishFilter,
  finishUpdate,
  leaseUpdate,
  newDelivery,
  oldDeliveriesFilter,
  ownerWebhooksFilter,
  scopeFilter,
  toEvent,
  toWebhook,
  webhookDocOf,
  webhookFilter,
} from '../../../../src/store/events/mongo-event-translate';
import type { WebhookRecord } from '../../../../src/store/events/event-store';

/** Every object key anywhere in a filter: the field names and operators MongoDB will see. */
function keysOf(filter: unknown): string[] {
  if (Array.isArray(filter)) return filter.flatMap(keysOf);
  if (typeof filter !== 'object' || filter === null) return [];
  return Object.entries(filter).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

describe('mongo events translation', () => {
  it('scopes a v2 page to user and project, a v1 page to the user (and readable projects)', () => {
    assert.deepEqual(eventPageFilter({ userId: 'alice', projectId: 'pA' }, { since: 7, limit: 10, types: null }), { user_id: 'alice', project_id: 'pA', id: { $gt: 7 } });
    assert.deepEqual(eventPageFilter({ userId: 'alice', projectId: null }, { since: 0, limit: 10, types: ['run.failed'] }), {
      user_id: 'alice',
      id: { $gt: 0 },
      type: { $in: ['run.failed'] },
    });
    assert.deepEqual(scopeFilter({ userId: 'alice', projectId: null, projects: { read: ['pB'], write: [] } }), { user_id: 'alice', project_id: { $in: ['', 'pB'] } });
  });

  it('never turns input into field names or operators', () => {
    const hostile = { userId: '$where', projectId: '{"$gt":""}' };
    const f = eventPageFilter(hostile, { since: 0, limit: 1, types: null });
    assert.deepEqual(keysOf(f).sort(), ['$gt', 'id', 'project_id', 'user_id']);
    assert.equal(f.user_id, '$where');
    assert.deepEqual(keysOf(webhookFilter(hostile, '$ne')).sort(), ['project_id', 'user_id', 'webhook_id']);
    assert.deepEqual(keysOf(finishFilter('$ne', 'o')).sort(), ['delivery_id', 'lease_owner']);
  });

  it('keeps v1 owners as project "" and shows them as null', () => {
    const d = eventDoc(3, { userId: 'u', projectId: null }, 'client.silent', 12.5, { a: 1 });
    assert.deepEqual(d, { id: 3, type: 'client.silent', user_id: 'u', project_id: '', time: 12.5, data: '{"a":1}' });
    assert.deepEqual(toEvent(d), { id: 3, type: 'client.silent', user_id: 'u', project_id: null, time: 12.5, data: { a: 1 } });
    assert.deepEqual(ownerWebhooksFilter({ userId: 'u', projectId: null }), { user_id: 'u', project_id: '' });
  });

  it('round-trips a webhook, the secret in its own field (never inside doc)', () => {
    const w: WebhookRecord = {
      webhook_id: 'w1',
      project_id: 'p',
      user_id: 'u',
      url: 'https://x.invalid/',
      secret: 's3cret-s3cret-s3cret',
      events: ['run.failed'],
      enabled: true,
      description: 'd',
      created_at: 1,
      updated_at: 2,
    };
    const doc = webhookDocOf(w, 9);
    assert.equal(doc.seq, 9);
    assert.ok(!doc.doc.includes('s3cret'));
    assert.deepEqual(toWebhook(doc), w);
  });

  it('claims due, unleased pending deliveries, and lets only the lease holder finish one', () => {
    assert.deepEqual(claimFilter(1000), { state: 'pending', next_at: { $lte: 1000 }, $or: [{ lease_until: null }, { lease_until: { $lt: 1000 } }] });
    assert.deepEqual(leaseUpdate(1000, 500, 'me'), { $set: { lease_until: 1500, lease_owner: 'me' } });
    const attempt = { at: 1, status_code: 500, error: null, duration_ms: 2 };
    assert.deepEqual(finishUpdate({ attempt, state: 'pending', next_attempt_at: 2000 }), {
      $push: { attempts: attempt },
      $set: { state: 'pending', next_at: 2000, lease_until: null, lease_owner: null },
    });
    const d = newDelivery(4, 'd1', 'w1', { id: 8, type: 'run.failed', time: 5 });
    assert.equal(d.next_at, 5000, 'due at once (ms)');
    assert.equal(d.state, 'pending');
    assert.deepEqual(oldDeliveriesFilter(10), { state: { $ne: 'pending' }, created_at: { $lt: 10 } });
  });

  it('has an index for every filter: id order per scope, due deliveries (partial), the log', () => {
    assert.deepEqual(EVENT_INDEXES.events[1].key, { user_id: 1, project_id: 1, id: 1 });
    assert.deepEqual(EVENT_INDEXES.webhook_deliveries[1], { key: { next_at: 1 }, partial: { state: 'pending' } });
    assert.ok(EVENT_INDEXES.webhooks[0].unique);
  });
});
