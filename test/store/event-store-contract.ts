import assert from 'node:assert/strict';
import type { EventStore, WebhookRecord } from '../../src/store/events/event-store';
import type { Scope } from '../../src/store/types';

/**
 * The behaviour every events store must have (SQLite, MongoDB). Each adapter's test file calls
 * this with a factory for a fresh, started, empty store.
 */
export function eventStoreContract(engine: string, makeStore: () => Promise<EventStore>): void {
  describe(`events store contract: ${engine}`, () => {
    let store: EventStore;
    const alice: Scope = { userId: 'alice', projectId: 'pA' };
    const aliceB: Scope = { userId: 'alice', projectId: 'pB' };
    const aliceV1: Scope = { userId: 'alice', projectId: null };
    const bob: Scope = { userId: 'bob', projectId: 'pA' };
    const owner = (s: Scope) => ({ userId: s.userId, projectId: s.projectId });
    const page = (since = 0, limit = 100, types: null | Array<'run.failed' | 'run.started'> = null) => ({ since, limit, types });

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.stop();
    });

    const hook = (id: string, s: Scope, extra: Partial<WebhookRecord> = {}): WebhookRecord => ({
      webhook_id: id,
      project_id: s.projectId,
      user_id: s.userId,
      url: `https://example.invalid/${id}`,
      secret: `secret-of-${id}-0123456789`,
      events: [],
      enabled: true,
      description: '',
      created_at: 1,
      updated_at: 1,
      ...extra,
    });

    it('numbers events in increasing order and round-trips them', async () => {
      const a = await store.append(owner(alice), 'run.started', 100.5, { run_id: 'r1', n: [1, { x: 'ü' }] }, []);
      const b = await store.append(owner(alice), 'run.failed', 101, { run_id: 'r1' }, []);
      assert.ok(b.id > a.id && a.id >= 1);
      assert.equal(await store.lastId(), b.id);
      assert.deepEqual(await store.get(a.id), { id: a.id, type: 'run.started', project_id: 'pA', user_id: 'alice', time: 100.5, data: { run_id: 'r1', n: [1, { x: 'ü' }] } });
      assert.equal(await store.get(9999), null);
    });

    it('pages a scope’s events after a cursor, oldest first, with a type filter; v1 sees the user’s every project', async () => {
      const e1 = await store.append(owner(alice), 'run.started', 1, {}, []);
      const e2 = await store.append(owner(bob), 'run.started', 2, {}, []);
      const e3 = await store.append(owner(aliceB), 'run.failed', 3, {}, []);
      const e4 = await store.append(owner(alice), 'run.failed', 4, {}, []);
      const e5 = await store.append(owner(aliceV1), 'run.failed', 5, {}, []);
      const ids = async (s: Scope, p = page()) => (await store.list(s, p)).map((e) => e.id);
      assert.deepEqual(await ids(alice), [e1.id, e4.id]);
      assert.deepEqual(await ids(bob), [e2.id]);
      assert.deepEqual(await ids(alice, page(e1.id)), [e4.id]);
      assert.deepEqual(await ids(alice, page(0, 1)), [e1.id]);
      assert.deepEqual(await ids(alice, page(0, 100, ['run.failed'])), [e4.id]);
      assert.deepEqual(await ids(aliceV1), [e1.id, e3.id, e4.id, e5.id]);
      // v1 with project access (jwt): its own project-less events and the readable projects'.
      assert.deepEqual(await ids({ ...aliceV1, projects: { read: ['pB'], write: [] } }), [e3.id, e5.id]);
      assert.deepEqual((await store.after(e2.id, 2)).map((e) => e.id), [e3.id, e4.id]);
      assert.equal((await store.get(e5.id))?.project_id, null);
    });

    it('prunes by age and by count per owner, in batches, keeping lastId', async () => {
      for (let i = 0; i < 6; i++) await store.append(owner(alice), 'run.started', 10 + i, { i }, []);
      const last = await store.append(owner(bob), 'run.started', 100, {}, []);
      // Age first: the two older than 12.
      assert.equal(await store.prune(12, 1000, 1000), 2);
      assert.deepEqual((await store.list(alice, page())).map((e) => e.data.i), [2, 3, 4, 5]);
      // Count: keep the newest 2 of each owner, one per batch call.
      assert.equal(await store.prune(0, 2, 1), 1);
      assert.equal(await store.prune(0, 2, 1000), 1);
      assert.deepEqual((await store.list(alice, page())).map((e) => e.data.i), [4, 5]);
      assert.equal((await store.list(bob, page())).length, 1);
      assert.equal(await store.lastId(), last.id);
    });

    it('keeps webhooks per scope, changes and deletes them only in scope', async () => {
      await store.insertWebhook(hook('w1', alice));
      await store.insertWebhook(hook('w2', alice, { enabled: false }));
      await store.insertWebhook(hook('w3', bob));
      await store.insertWebhook(hook('w4', aliceV1));
      assert.deepEqual((await store.listWebhooks(alice)).map((w) => w.webhook_id), ['w1', 'w2']);
      assert.deepEqual((await store.listWebhooks(aliceV1)).map((w) => w.webhook_id), ['w1', 'w2', 'w4']);
      assert.deepEqual(await store.getWebhook(alice, 'w1'), hook('w1', alice));
      assert.equal(await store.getWebhook(bob, 'w1'), null);
      assert.equal(await store.getWebhook(aliceB, 'w1'), null);
      assert.deepEqual((await store.webhooksOf(owner(alice))).map((w) => w.webhook_id), ['w1'], 'enabled ones only');
      assert.deepEqual((await store.webhooksOf(owner(aliceV1))).map((w) => w.webhook_id), ['w4'], 'exactly the owner');
      assert.equal(await store.updateWebhook(bob, 'w1', (w) => ({ ...w, url: 'x' })), null);
      const changed = await store.updateWebhook(alice, 'w1', (w) => ({ ...w, secret: 'rotated-secret-0123456789', description: 'd' }));
      assert.equal(changed?.description, 'd');
      assert.equal((await store.webhookById('w1'))?.secret, 'rotated-secret-0123456789');
      assert.equal(await store.deleteWebhook(bob, 'w1'), false);
      assert.equal(await store.deleteWebhook(alice, 'w1'), true);
      assert.equal(await store.webhookById('w1'), null);
    });

    it('stores deliveries with the event; leases each to one claimer; records attempts only for the lease holder', async () => {
      await store.insertWebhook(hook('w1', alice));
      await store.insertWebhook(hook('w2', alice));
      const e = await store.append(owner(alice), 'run.failed', 50, { x: 1 }, ['w1', 'w2']);
      const now = 50_000;
      const first = await store.claimDue(now, 10_000, 'p1', 10);
      assert.deepEqual(first.map((d) => d.webhook_id).sort(), ['w1', 'w2']);
      assert.ok(first.every((d) => d.event_id === e.id && d.state === 'pending' && d.attempts.length === 0 && d.event_type === 'run.failed'));
      assert.deepEqual(await store.claimDue(now + 1, 10_000, 'p2', 10), [], 'leased: nobody else takes them');
      const d = first.find((x) => x.webhook_id === 'w1');
      assert.ok(d);
      const attempt = { at: 50, status_code: 500, error: null, duration_ms: 3 };
      assert.equal(await store.finishAttempt(d.delivery_id, 'p2', { attempt, state: 'pending', next_attempt_at: now + 500 }), false);
      assert.equal(await store.finishAttempt(d.delivery_id, 'p1', { attempt, state: 'pending', next_attempt_at: now + 500 }), true);
      assert.deepEqual(await store.claimDue(now + 100, 10_000, 'p2', 10), [], 'not due yet');
      const again = await store.claimDue(now + 600, 10_000, 'p2', 10);
      assert.deepEqual(again.map((x) => x.delivery_id), [d.delivery_id]);
      assert.deepEqual(again[0].attempts, [attempt]);
      // A lease that ran out (its holder died) is taken again.
      const expired = await store.claimDue(now + 20_001, 10_000, 'p3', 10);
      assert.deepEqual(expired.map((x) => x.webhook_id).sort(), ['w1', 'w2']);
      const ok = { at: 70, status_code: 200, error: null, duration_ms: 2 };
      for (const x of expired) assert.equal(await store.finishAttempt(x.delivery_id, 'p3', { attempt: ok, state: 'delivered', next_attempt_at: null }), true);
      assert.deepEqual(await store.claimDue(now + 99_999_999, 10_000, 'p4', 10), [], 'final deliveries are never claimed');
      const log = await store.deliveries('w1', 10);
      assert.equal(log.length, 1);
      assert.equal(log[0].state, 'delivered');
      assert.deepEqual(log[0].attempts.map((t) => t.status_code), [500, 200]);
      assert.equal(log[0].next_attempt_at, null);
      // Finished deliveries go with age retention; deleting a webhook takes its log.
      assert.ok((await store.prune(1_000_000, 1000, 1000)) >= 2);
      assert.deepEqual(await store.deliveries('w2', 10), []);
      const e2 = await store.append(owner(alice), 'run.failed', 60, {}, ['w1']);
      assert.equal((await store.deliveries('w1', 10))[0].event_id, e2.id);
      await store.deleteWebhook(alice, 'w1');
      assert.deepEqual(await store.deliveries('w1', 10), []);
    });
  });
}
