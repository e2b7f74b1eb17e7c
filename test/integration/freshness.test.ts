import assert from 'node:assert/strict';
import { waitFor } from '../helpers/agent';
import { Api } from '../helpers/http';
import { useServer } from '../helpers/server';

/**
 * Freshness (issue 12 item 4) against a real server with short settings: jobs expected every 3 s
 * go stale 1 s (the grace) after a missed run; the sweep looks every second; a client is silent
 * after 2 s without a poll.
 */
describe('freshness: stale jobs and silent clients (GET /freshness/jobs, /freshness/clients)', function () {
  this.timeout(60_000);
  const server = useServer({
    env: {
      PERMAFROST_FRESHNESS_GRACE_SECONDS: '1',
      PERMAFROST_FRESHNESS_SWEEP_SECONDS: '1',
      PERMAFROST_FRESHNESS_SILENT_AFTER: '2',
    },
  });
  let api: Api;
  before(() => {
    api = Api.v2(server().url, 'projF', 'fiona');
  });

  const createJob = async (a: Api, description: string, job_schedule: Record<string, unknown>, client_id = 'hostF') => {
    const res = await a.post('/jobs', { client_id, description, job_actions: [], job_schedule });
    assert.equal(res.status, 201, res.text);
    return res.json.job_id as string;
  };
  const freshnessOf = async (a: Api, jobId: string, query = 'limit=1000') => {
    const res = await a.get(`/freshness/jobs?${query}`);
    assert.equal(res.status, 200, res.text);
    return (res.json.jobs as Array<Record<string, unknown>>).find((j) => j.job_id === jobId);
  };
  /** One run as an agent reports it: opened running, then ended with `status`. */
  const run = async (jobId: string, status: 'success' | 'fail', reason?: string) => {
    const opened = await api.post('/runs', { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'hostF', pid: 1, version: 'test' } });
    assert.equal(opened.status, 201, opened.text);
    const runId = opened.json.run_id as string;
    const ended = await api.patch(`/runs/${runId}`, { status, ...(reason ? { reason } : {}) });
    assert.equal(ended.status, 200, ended.text);
    return runId;
  };

  it('a scheduled job that never ran goes stale, once, and stays so across sweeps', async () => {
    const created = Date.now() / 1000;
    const id = await createJob(api, 'never-ran', { schedule_interval: '3 seconds' });
    const fresh = await freshnessOf(api, id);
    assert.deepEqual(
      { ...fresh, next_expected_at: undefined },
      { job_id: id, client_id: 'hostF', description: 'never-ran', last_success_at: null, last_run: null, next_expected_at: undefined, expected_interval: 3, stale: false, stale_since: null },
    );
    assert.ok(Math.abs(Number(fresh?.next_expected_at) - (created + 3)) < 2, `next expected about 3 s after creation: ${JSON.stringify(fresh)}`);
    const stale = await waitFor('the job to go stale', 10_000, async () => ((await freshnessOf(api, id, 'stale=true'))?.stale === true ? freshnessOf(api, id) : null));
    assert.ok(Math.abs(Number(stale.stale_since) - (created + 4)) < 2, `stale since interval + grace after creation: ${JSON.stringify(stale)}`);
    // The next sweeps find nothing new: the transition (and its stale_since) is not repeated
    // (a nothing-happens window of two or three sweeps).
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await freshnessOf(api, id))?.stale_since, stale.stale_since);
    assert.equal(await freshnessOf(api, id, 'stale=false'), undefined);
  });

  it('a success makes a stale job fresh; when successes stop it goes stale again', async () => {
    const id = await createJob(api, 'flaky', { schedule_interval: '3 seconds' });
    await waitFor('stale', 10_000, async () => (await freshnessOf(api, id))?.stale === true);
    const runId = await run(id, 'success');
    const fresh = await freshnessOf(api, id);
    assert.equal(fresh?.stale, false, JSON.stringify(fresh));
    assert.equal(fresh?.stale_since, null);
    assert.deepEqual({ ...(fresh?.last_run as object), ended_at: 0 }, { run_id: runId, status: 'success', ended_at: 0, reason: null });
    assert.equal(typeof fresh?.last_success_at, 'number');
    assert.ok(Math.abs(Number(fresh?.next_expected_at) - (Number(fresh?.last_success_at) + 3)) < 0.01, JSON.stringify(fresh));
    assert.equal(await freshnessOf(api, id, 'stale=true'), undefined);
    const again = await waitFor('stale again', 10_000, async () => {
      const f = await freshnessOf(api, id);
      return f?.stale === true ? f : null;
    });
    assert.ok(Math.abs(Number(again.stale_since) - (Number(fresh?.last_success_at) + 4)) < 0.01, JSON.stringify(again));
  });

  it('a failing run keeps a stale job stale and shows the reason', async () => {
    const id = await createJob(api, 'failing', { schedule_interval: '3 seconds' });
    const stale = await waitFor('stale', 10_000, async () => {
      const f = await freshnessOf(api, id);
      return f?.stale === true ? f : null;
    });
    const runId = await run(id, 'fail', 'tar: /srv: Cannot open: Permission denied');
    const after = await freshnessOf(api, id);
    assert.equal(after?.stale, true);
    assert.equal(after?.stale_since, stale.stale_since);
    assert.equal(after?.last_success_at, null);
    const lastRun = after?.last_run as Record<string, unknown>;
    assert.deepEqual([lastRun.run_id, lastRun.status, lastRun.reason], [runId, 'fail', 'tar: /srv: Cannot open: Permission denied']);
    assert.equal(typeof lastRun.ended_at, 'number');
  });

  it('a one-shot job, a job without a schedule and a stopped job never go stale', async () => {
    const soon = new Date(Date.now() + 1000).toISOString();
    const oneShot = await createJob(api, 'one-shot', { schedule_date: soon });
    const once = await createJob(api, 'run-once', {});
    const stopped = await createJob(api, 'stopped', { schedule_interval: '3 seconds', status: 'stop' });
    const control = await createJob(api, 'control', { schedule_interval: '3 seconds' });
    await waitFor('the control job to go stale', 10_000, async () => (await freshnessOf(api, control))?.stale === true);
    // Nothing may happen to the others: the sweep that made the control stale saw them too, and
    // this window (more sweeps, one a second) only gives a wrong transition a further chance to show.
    await new Promise((r) => setTimeout(r, 1500));
    for (const id of [oneShot, once, stopped]) {
      const f = await freshnessOf(api, id);
      assert.equal(f?.stale, false, JSON.stringify(f));
      assert.equal(f?.expected_interval, null);
    }
    assert.ok(Math.abs(Number((await freshnessOf(api, oneShot))?.next_expected_at) - Date.parse(soon) / 1000) < 0.01);
    assert.equal((await freshnessOf(api, once))?.next_expected_at, null);
  });

  it('a job whose schedule stops (stop event) is no longer stale; deleting a job removes its record', async () => {
    const id = await createJob(api, 'to-stop', { schedule_interval: '3 seconds' });
    await waitFor('stale', 10_000, async () => (await freshnessOf(api, id))?.stale === true);
    assert.equal((await api.post(`/jobs/${id}/event`, { stop: null })).status, 202);
    await waitFor('stopped: not stale', 5_000, async () => (await freshnessOf(api, id))?.stale === false);
    assert.equal((await api.delete(`/jobs/${id}`)).status, 204);
    assert.equal(await freshnessOf(api, id), undefined);
  });

  it('filters by client_id and pages in job_id order', async () => {
    const a = await createJob(api, 'pg-1', {}, 'hostPage');
    const b = await createJob(api, 'pg-2', {}, 'hostPage');
    const c = await createJob(api, 'pg-3', {}, 'hostPage');
    const all = (await api.get('/freshness/jobs?client_id=hostPage&limit=10')).json.jobs as Array<{ job_id: string; client_id: string }>;
    assert.deepEqual(all.map((j) => j.job_id), [a, b, c].sort());
    const second = (await api.get('/freshness/jobs?client_id=hostPage&limit=1&offset=1')).json.jobs as Array<{ job_id: string }>;
    assert.deepEqual(second.map((j) => j.job_id), [all[1].job_id]);
    assert.deepEqual((await api.get('/freshness/jobs?client_id=nobody')).json, { jobs: [] });
  });

  it('a client is not silent while its agent polls, silent (once) when it stops, and back when it polls again', async () => {
    assert.equal((await api.post('/clients', { client_id: 'hostPoll', hostname: 'poll.example' })).status, 201);
    // The stock scheduler's poll: its jobs, searched by client_id (spec B.3).
    const poll = async () => assert.equal((await api.get('/jobs?limit=10', { match: [{ client_id: 'hostPoll' }] })).status, 200);
    const clientOf = async (query = '') => {
      const res = await api.get(`/freshness/clients?limit=1000${query}`);
      assert.equal(res.status, 200, res.text);
      return (res.json.clients as Array<Record<string, unknown>>).find((c) => c.client_id === 'hostPoll');
    };
    await poll();
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      await poll();
      const c = await clientOf();
      assert.equal(c?.silent, false, `polling every 300 ms: ${JSON.stringify(c)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const seen = await clientOf();
    assert.equal(seen?.hostname, 'poll.example');
    // Polling (or waiting on) a client id nobody registered in this scope tracks nothing: it is no agent.
    assert.equal((await api.get('/jobs?limit=10', { match: [{ client_id: 'hostNobody' }] })).status, 200);
    assert.equal((await api.get('/clients/hostNobody/changes')).status, 200);
    // A window for something that must not happen (a record for the unregistered id); no event to wait on.
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!(await api.get('/freshness/clients?limit=1000')).text.includes('hostNobody'), 'an unregistered client id is not listed');
    const silent = await waitFor('silent', 10_000, async () => {
      const c = await clientOf('&silent=true');
      return c?.silent === true ? c : null;
    });
    assert.ok(Number(silent.silent_since) - Number(silent.last_seen_at) === 2, JSON.stringify(silent));
    // Nothing-happens window: two more sweeps must not mark it again.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await clientOf())?.silent_since, silent.silent_since, 'marked once');
    await poll();
    const back = await waitFor('polling again', 5_000, async () => {
      const c = await clientOf('&silent=false');
      return c?.silent === false ? c : null;
    });
    assert.equal(back.silent_since, null);
  });

  describe('isolation and bad parameters', () => {
    let jobId: string;
    before(async () => {
      const owner = Api.v2(server().url, 'projIso', 'olga');
      jobId = await createJob(owner, 'olga-secret-job', { schedule_interval: '1 hours' }, 'hostIso');
    });

    it('the owner sees the job in v2 and v1; a reader of the project too', async () => {
      assert.ok(await freshnessOf(Api.v2(server().url, 'projIso', 'olga'), jobId));
      assert.ok(await freshnessOf(Api.v1(server().url, 'olga'), jobId));
      const reader = Api.v2(server().url, 'projIso', 'olga', { 'X-Roles': 'reader' });
      assert.ok(await freshnessOf(reader, jobId));
    });

    it('another project, another user and another user in v1 see nothing of it', async () => {
      for (const other of [Api.v2(server().url, 'projOther', 'olga'), Api.v2(server().url, 'projIso', 'mallory'), Api.v1(server().url, 'mallory')]) {
        const res = await other.get('/freshness/jobs?limit=1000');
        assert.equal(res.status, 200);
        assert.ok(!res.text.includes(jobId) && !res.text.includes('olga-secret-job'), res.text);
        assert.ok(!(await other.get('/freshness/clients?limit=1000')).text.includes('hostIso'));
      }
    });

    it('unknown or bad parameters are a 400 naming them', async () => {
      for (const [path, named] of [
        ['/freshness/jobs?bogus=1', /'bogus'/],
        ['/freshness/jobs?stale=yes', /'stale' must be true or false/],
        ['/freshness/jobs?limit=0', /'limit' must be a whole number from 1 to 1000/],
        ['/freshness/jobs?limit=1001', /'limit'/],
        ['/freshness/jobs?offset=-1', /'offset'/],
        ['/freshness/jobs?client_id=', /'client_id'/],
        ['/freshness/jobs?silent=true', /'silent'/],
        ['/freshness/clients?stale=true', /'stale'/],
        ['/freshness/clients?silent=1', /'silent' must be true or false/],
      ] as const) {
        for (const a of [api, Api.v1(server().url, 'fiona')]) {
          const res = await a.get(path);
          assert.equal(res.status, 400, `${path}: ${res.text}`);
          assert.match(String(res.json.description), named, path);
        }
      }
    });
  });

  describe('with --workers 2 (each worker sweeps; one transition, one stale_since)', () => {
    const workers = useServer({
      args: ['--workers', '2'],
      env: { PERMAFROST_FRESHNESS_GRACE_SECONDS: '1', PERMAFROST_FRESHNESS_SWEEP_SECONDS: '1', PERMAFROST_FRESHNESS_SILENT_AFTER: '2' },
    });

    it('a job written through either worker goes stale once and is made fresh by a success reported to the other', async () => {
      const w = Api.v2(workers().url, 'projW', 'walt');
      const id = await createJob(w, 'two-workers', { schedule_interval: '3 seconds' });
      const stale = await waitFor('stale', 10_000, async () => {
        const f = await freshnessOf(w, id);
        return f?.stale === true ? f : null;
      });
      // Several requests land on both workers: they all read the one record.
      for (let i = 0; i < 6; i++) assert.equal((await freshnessOf(w, id))?.stale_since, stale.stale_since);
      const opened = await w.post('/runs', { job_id: id, trigger: 'schedule', status: 'running', agent: { host: 'w', pid: 1, version: 't' } });
      assert.equal((await w.patch(`/runs/${opened.json.run_id as string}`, { status: 'success' })).status, 200);
      for (let i = 0; i < 4; i++) assert.equal((await freshnessOf(w, id))?.stale, false);
    });

    it('job.stale and client.silent reach GET /events exactly once per transition, whichever worker swept', async () => {
      const w = Api.v2(workers().url, 'projEv', 'eve');
      const eventsOf = async (type: string) => {
        const res = await w.get(`/events?types=${type}&limit=1000`);
        assert.equal(res.status, 200, res.text);
        return res.json.events as Array<{ type: string; project_id: string | null; data: Record<string, unknown> }>;
      };
      const id = await createJob(w, 'evented', { schedule_interval: '3 seconds' }, 'hostEv');
      await waitFor('a job.stale event', 10_000, async () => (await eventsOf('job.stale')).length > 0);
      await new Promise((r) => setTimeout(r, 2500)); // nothing-happens window: more sweeps on both workers, no second event
      let stale = await eventsOf('job.stale');
      assert.equal(stale.length, 1, JSON.stringify(stale));
      assert.equal(stale[0].project_id, 'projEv');
      assert.deepEqual([stale[0].data.job_id, stale[0].data.stale, stale[0].data.description], [id, true, 'evented']);
      // Fresh again after a success, then stale again: a second transition, a second event.
      const opened = await w.post('/runs', { job_id: id, trigger: 'schedule', status: 'running', agent: { host: 'w', pid: 1, version: 't' } });
      assert.equal((await w.patch(`/runs/${opened.json.run_id as string}`, { status: 'success' })).status, 200);
      await waitFor('a second job.stale event', 10_000, async () => (await eventsOf('job.stale')).length > 1);
      await new Promise((r) => setTimeout(r, 2500)); // nothing-happens window: no third event
      stale = await eventsOf('job.stale');
      assert.equal(stale.length, 2, JSON.stringify(stale));
      assert.notEqual(stale[1].data.stale_since, stale[0].data.stale_since);
      // A (registered) client that polled once and stopped: one client.silent.
      assert.equal((await w.post('/clients', { client_id: 'hostEv', hostname: 'ev.example' })).status, 201);
      assert.equal((await w.get('/jobs?limit=10', { match: [{ client_id: 'hostEv' }] })).status, 200);
      await waitFor('a client.silent event', 10_000, async () => (await eventsOf('client.silent')).length > 0);
      await new Promise((r) => setTimeout(r, 2500)); // nothing-happens window: no second event
      const silent = await eventsOf('client.silent');
      assert.equal(silent.length, 1, JSON.stringify(silent));
      assert.deepEqual([silent[0].data.client_id, silent[0].data.silent], ['hostEv', true]);
      // Another project hears none of it.
      const other = await Api.v2(workers().url, 'projElse', 'eve').get('/events?limit=1000');
      assert.deepEqual(other.json, { events: [] });
    });
  });
});

