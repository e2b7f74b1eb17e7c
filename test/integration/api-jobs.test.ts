import assert from 'node:assert/strict';
import { Api } from '../helpers/http';
import { useServer } from '../helpers/server';

describe('jobs and job events (spec A.3.5, A.6)', () => {
  const server = useServer();
  let api: Api;
  before(() => {
    api = Api.v2(server().url, 'projA', 'alice');
  });

  const action = (extra: object = {}) => ({ freezer_action: { action: 'backup', mode: 'fs', backup_name: 'bk', ...extra }, max_retries: 1, max_retries_interval: 1 });
  const job = (extra: object = {}) => ({ client_id: 'projA_host1', description: 'job-one', job_actions: [action()], ...extra });
  const create = async (extra: object = {}) => {
    const res = await api.post('/jobs', job(extra));
    assert.equal(res.status, 201, res.text);
    return res.json.job_id as string;
  };

  it('a job whose actions repeat one new action_id is stored (each action under its own id), on create and on PATCH; not a 500', async () => {
    const twice = [action(), action({ backup_name: 'other' })].map((a) => ({ ...a, action_id: 'dup-new-1' }));
    const id = await create({ job_actions: twice });
    const stored = (await api.get(`/jobs/${id}`)).json.job_actions as Array<{ action_id: string }>;
    assert.equal(stored.length, 2);
    assert.equal(stored[0].action_id, 'dup-new-1');
    assert.notEqual(stored[1].action_id, 'dup-new-1');
    const patched = await api.patch(`/jobs/${id}`, { job_actions: twice.map((a) => ({ ...a, action_id: 'dup-new-2' })) });
    assert.equal(patched.status, 200, patched.text);
    const after = (await api.get(`/jobs/${id}`)).json.job_actions as Array<{ action_id: string }>;
    assert.equal(new Set(after.map((a) => a.action_id)).size, 2);
  });

  describe('POST /jobs', () => {
    it('creates a job with a new hex id, server-stamped owner and times, and registered actions', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await api.post('/jobs', job({ job_id: 'mine', user_id: 'mallory', project_id: 'projX', job_schedule: { time_created: 5, time_started: 7, schedule_interval: '2 hours' } }));
      assert.equal(res.status, 201);
      assert.deepEqual(Object.keys(res.json), ['job_id']);
      const id = res.json.job_id;
      assert.match(id, /^[0-9a-f]{32}$/);
      const doc = (await api.get(`/jobs/${id}`)).json;
      assert.deepEqual(Object.keys(doc), ['job_id', 'project_id', 'user_id', 'job_schedule', 'client_id', 'session_id', 'session_tag', 'description', 'job_actions']);
      assert.equal(doc.job_id, id);
      assert.equal(doc.user_id, 'alice');
      assert.equal(doc.project_id, 'projA');
      assert.equal(doc.session_id, '');
      assert.equal(doc.session_tag, 0);
      assert.ok(doc.job_schedule.time_created >= before && doc.job_schedule.time_created <= before + 5);
      assert.equal(doc.job_schedule.time_started, -1);
      assert.equal(doc.job_schedule.time_ended, -1);
      assert.equal(doc.job_schedule.schedule_interval, '2 hours');
      const ja = doc.job_actions[0];
      assert.equal(ja.user_id, 'alice');
      assert.equal(ja.project_id, 'projA');
      assert.match(ja.action_id, /^[0-9a-f]{32}$/);
      const registered = await api.get(`/actions/${ja.action_id}`);
      assert.equal(registered.status, 200);
      assert.equal(registered.json.freezer_action.backup_name, 'bk');
      assert.equal(registered.json.max_retries, 1);
    });

    it('defaults job_schedule, description and drops session_name/_version', async () => {
      const id = await create({ session_name: 'x', _version: 3, description: undefined });
      const doc = (await api.get(`/jobs/${id}`)).json;
      assert.equal(doc.description, '');
      assert.equal(doc.session_name, undefined);
      assert.equal(doc._version, undefined);
      assert.deepEqual(Object.keys(doc.job_schedule).sort(), ['time_created', 'time_ended', 'time_started']);
    });

    it('expands action_defaults into each freezer_action where the key is missing, and drops it', async () => {
      const res = await api.post('/jobs', {
        client_id: 'projA_host1',
        action_defaults: { storage: 'local', container: '/tmp/dflt', backup_name: 'ignored' },
        job_actions: [{ freezer_action: { action: 'backup', backup_name: 'd1' } }, { freezer_action: { action: 'restore', storage: 'ssh' } }],
      });
      assert.equal(res.status, 201, res.text);
      const doc = (await api.get(`/jobs/${res.json.job_id}`)).json;
      assert.equal(doc.action_defaults, undefined);
      assert.deepEqual(
        doc.job_actions.map((a: { freezer_action: object }) => a.freezer_action),
        [
          { action: 'backup', backup_name: 'd1', storage: 'local', container: '/tmp/dflt' },
          { action: 'restore', storage: 'ssh', container: '/tmp/dflt', backup_name: 'ignored' },
        ],
      );
      const bad = await api.post('/jobs', { ...job(), action_defaults: 'nope' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.description, 'action_defaults shouldbe a dictionary');
    });

    it('answers 400 with the reference messages for invalid jobs', async () => {
      const cases: Array<[unknown, string | RegExp]> = [
        [{}, "'job_actions' is a required property"],
        [undefined, "'job_actions' is a required property"],
        [{ job_actions: [action()] }, "'client_id' is a required property"],
        [{ ...job(), colour: 'red' }, "Additional properties are not allowed ('colour' was unexpected)"],
        [{ ...job(), job_schedule: { when: 'now' } }, "Additional properties are not allowed ('when' was unexpected)"],
        [{ ...job(), job_schedule: { schedule_interval: 'often' } }, "'often' does not match '^(continuous|(\\\\d+ +(weeks|days|hours|minutes|seconds)))$'"],
        [{ ...job(), job_schedule: { schedule_interval: '1 day' } }, /does not match/],
        [{ ...job(), job_schedule: { event: 'explode' } }, "'explode' is not one of ['', 'stop', 'start', 'abort', 'remove']"],
        [{ ...job(), client_id: 'bad id!' }, /'bad id!' does not match/],
        [{ ...job(), job_actions: [{ freezer_action: { mode: 'fs' } }] }, "'action' is a required property"],
        [{ ...job(), session_tag: 'x' }, "'x' is not of type 'integer'"],
      ];
      for (const [body, message] of cases) {
        const res = await api.post('/jobs', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.json.title, 'Bad request format');
        if (typeof message === 'string') assert.equal(res.json.description, message);
        else assert.match(res.json.description, message);
      }
    });

    it('accepts every schedule form of the spec', async () => {
      for (const schedule of [
        { schedule_interval: 'continuous' },
        { schedule_interval: '5 minutes' },
        { schedule_date: '2030-01-02T03:04:05' },
        { schedule_start_date: '2030-01-02T03:04:05Z', schedule_end_date: '2030-02-02T03:04:05+01:00' },
        { schedule_hour: '03', schedule_minute: '20', schedule_day_of_week: '0', schedule_year: '2031' },
      ]) {
        assert.equal((await api.post('/jobs', job({ job_schedule: schedule }))).status, 201, JSON.stringify(schedule));
      }
    });
  });

  describe('GET /jobs/{id} and GET /jobs', () => {
    it('answers 404 with an empty JSON body for an unknown job', async () => {
      const res = await api.get('/jobs/nosuchjob');
      assert.equal(res.status, 404);
      assert.equal(res.text, '');
      assert.match(String(res.headers['content-type']), /^application\/json/);
    });

    it('lists the caller jobs in creation order inside {"jobs": [...]}', async () => {
      const lister = Api.v2(server().url, 'listing', 'alice');
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await lister.post('/jobs', job({ client_id: 'listing_h' }))).json.job_id);
      const res = await lister.get('/jobs');
      assert.deepEqual(Object.keys(res.json), ['jobs']);
      assert.deepEqual(res.json.jobs.map((j: { job_id: string }) => j.job_id), ids);
    });
  });

  describe('POST /jobs/{id} (replace or create)', () => {
    it('creates under the given id without time_created, then replaces the whole job', async () => {
      const res = await api.post('/jobs/my-job_1', job({ description: 'first', job_schedule: { schedule_interval: '1 days' } }));
      assert.equal(res.status, 201);
      assert.deepEqual(res.json, { job_id: 'my-job_1', version: 'my-job_1' });
      const first = (await api.get('/jobs/my-job_1')).json;
      assert.deepEqual(first.job_schedule, { schedule_interval: '1 days' });
      const again = await api.post('/jobs/my-job_1', { client_id: 'projA_host2', job_actions: [action()] });
      assert.equal(again.status, 201);
      const doc = (await api.get('/jobs/my-job_1')).json;
      assert.equal(doc.client_id, 'projA_host2');
      assert.equal(doc.description, '');
      assert.deepEqual(doc.job_schedule, {});
      assert.equal(doc.session_id, '');
    });

    it('keeps the list position of a replaced job', async () => {
      const p = Api.v2(server().url, 'replpos', 'alice');
      await p.post('/jobs/a1', job({ client_id: 'r_h' }));
      await p.post('/jobs/a2', job({ client_id: 'r_h' }));
      await p.post('/jobs/a1', job({ client_id: 'r_h', description: 'again' }));
      assert.deepEqual((await p.get('/jobs')).json.jobs.map((j: { job_id: string }) => j.job_id), ['a1', 'a2']);
    });

    it('validates the URL id and the body', async () => {
      assert.equal((await api.post('/jobs/bad.id', job())).status, 400);
      assert.equal((await api.post('/jobs/x1', { description: 'no actions' })).json.description, "'job_actions' is a required property");
    });
  });

  describe('PATCH /jobs/{id}', () => {
    it('replaces each top-level field present; job_schedule wholesale', async () => {
      const id = await create({ job_schedule: { schedule_interval: '1 days' } });
      const res = await api.patch(`/jobs/${id}`, { job_schedule: { status: 'scheduled' } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { job_id: id, version: 0 });
      assert.deepEqual((await api.get(`/jobs/${id}`)).json.job_schedule, { status: 'scheduled' });
    });

    it('keeps job_schedule when the patch has none (the reference wipes it)', async () => {
      const id = await create({ job_schedule: { schedule_interval: '1 days' } });
      await api.patch(`/jobs/${id}`, { description: 'changed' });
      const doc = (await api.get(`/jobs/${id}`)).json;
      assert.equal(doc.description, 'changed');
      assert.equal(doc.job_schedule.schedule_interval, '1 days');
      assert.equal((await api.patch(`/jobs/${id}`, {})).status, 200);
      assert.equal((await api.get(`/jobs/${id}`)).json.job_schedule.schedule_interval, '1 days');
    });

    it('ignores job_id, user_id, project_id, session_name and _version in a patch', async () => {
      const id = await create();
      const res = await api.patch(`/jobs/${id}`, { job_id: 'other', user_id: 'mallory', project_id: 'projX', session_name: 's', _version: 2, description: 'p' });
      assert.equal(res.status, 200, res.text);
      const doc = (await api.get(`/jobs/${id}`)).json;
      assert.deepEqual([doc.job_id, doc.user_id, doc.project_id, doc.description], [id, 'alice', 'projA', 'p']);
      assert.equal((await Api.v2(server().url, 'projX', 'alice').get(`/jobs/${id}`)).status, 404, 'not moved to projX');
    });

    it('registers patched job_actions; rejects unknown keys; 404 for an unknown job', async () => {
      const id = await create();
      await api.patch(`/jobs/${id}`, { job_actions: [action({ backup_name: 'patched' })] });
      const ja = (await api.get(`/jobs/${id}`)).json.job_actions[0];
      assert.equal((await api.get(`/actions/${ja.action_id}`)).json.freezer_action.backup_name, 'patched');
      const bad = await api.patch(`/jobs/${id}`, { colour: 'red' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.description, "Additional properties are not allowed ('colour' was unexpected)");
      const missing = await api.patch('/jobs/nosuchjob', { description: 'x' });
      assert.equal(missing.status, 404);
      assert.equal(missing.json.title, 'Not Found');
      assert.equal(missing.json.description, 'No Job found with ID:nosuchjob');
    });
  });

  describe('job actions registration (spec A.6.7)', () => {
    it('reuses an existing identical action, renews a changed one, creates an unknown id', async () => {
      const id = await create();
      const ja = (await api.get(`/jobs/${id}`)).json.job_actions[0];
      const same = await api.post('/jobs', job({ job_actions: [{ ...action(), action_id: ja.action_id }] }));
      assert.equal((await api.get(`/jobs/${same.json.job_id}`)).json.job_actions[0].action_id, ja.action_id);
      const changed = await api.post('/jobs', job({ job_actions: [{ ...action({ backup_name: 'other' }), action_id: ja.action_id }] }));
      assert.equal(changed.status, 201, changed.text);
      const renewed = (await api.get(`/jobs/${changed.json.job_id}`)).json.job_actions[0].action_id;
      assert.notEqual(renewed, ja.action_id);
      assert.equal((await api.get(`/actions/${ja.action_id}`)).json.freezer_action.backup_name, 'bk', 'the old action is unchanged');
      assert.equal((await api.get(`/actions/${renewed}`)).json.freezer_action.backup_name, 'other');
      const named = await api.post('/jobs', job({ job_actions: [{ ...action(), action_id: 'chosen-action' }] }));
      assert.equal((await api.get(`/jobs/${named.json.job_id}`)).json.job_actions[0].action_id, 'chosen-action');
      assert.equal((await api.get('/actions/chosen-action')).status, 200);
    });
  });

  describe('DELETE /jobs/{id}', () => {
    it('deletes (204), then 404 on GET, 204 again in v2, and keeps the job actions', async () => {
      const id = await create();
      const actionId = (await api.get(`/jobs/${id}`)).json.job_actions[0].action_id;
      assert.equal((await api.delete(`/jobs/${id}`)).status, 204);
      assert.equal((await api.get(`/jobs/${id}`)).status, 404);
      const again = await api.delete(`/jobs/${id}`);
      assert.equal(again.status, 204);
      assert.equal(again.text, '');
      assert.equal((await api.get(`/actions/${actionId}`)).status, 200);
    });

    it('lets a deleted id be used again (the reference never can)', async () => {
      await api.post('/jobs/reused-id', job({ description: 'one' }));
      await api.delete('/jobs/reused-id');
      const res = await api.post('/jobs/reused-id', job({ description: 'two' }));
      assert.equal(res.status, 201);
      assert.equal((await api.get('/jobs/reused-id')).json.description, 'two');
    });
  });

  describe('POST /jobs/{id}/event', () => {
    it('start sets event, clears status and result; repeating says already requested', async () => {
      const id = await create({ job_schedule: { status: 'completed', result: 'fail', schedule_interval: '1 days' } });
      const res = await api.post(`/jobs/${id}/event`, { start: null });
      assert.equal(res.status, 202);
      assert.deepEqual(res.json, { result: 'success' });
      const sched = (await api.get(`/jobs/${id}`)).json.job_schedule;
      assert.equal(sched.event, 'start');
      assert.equal(sched.status, '');
      assert.equal(sched.result, '');
      assert.equal(sched.schedule_interval, '1 days');
      assert.ok(sched.time_created > 0, 'time_created kept');
      assert.deepEqual((await api.post(`/jobs/${id}/event`, { start: {} })).json, { result: 'start already requested' });
    });

    it('stop and abort set only the event; only the first key counts', async () => {
      const id = await create({ job_schedule: { status: 'scheduled' } });
      assert.deepEqual((await api.post(`/jobs/${id}/event`, { stop: null, start: null })).json, { result: 'success' });
      let sched = (await api.get(`/jobs/${id}`)).json.job_schedule;
      assert.equal(sched.event, 'stop');
      assert.equal(sched.status, 'scheduled');
      assert.deepEqual((await api.post(`/jobs/${id}/event`, { stop: null })).json, { result: 'stop already requested' });
      assert.deepEqual((await api.post(`/jobs/${id}/event`, { abort: null })).json, { result: 'success' });
      sched = (await api.get(`/jobs/${id}`)).json.job_schedule;
      assert.equal(sched.event, 'abort');
      assert.deepEqual((await api.post(`/jobs/${id}/event`, { abort: null })).json, { result: 'abort already requested' });
    });

    it('a stop or abort survives a scheduler PATCH reporting running or scheduled; stop/completed consume it', async () => {
      for (const halt of ['stop', 'abort']) {
        const id = await create({ job_schedule: { status: 'scheduled', event: '' } });
        await api.post(`/jobs/${id}/event`, { [halt]: null });
        // The scheduler's run-start and run-end PATCHes carry the schedule it read before, event "".
        for (const status of ['running', 'scheduled']) {
          assert.equal((await api.patch(`/jobs/${id}`, { job_schedule: { status, event: '', result: '' } })).status, 200);
          const sched = (await api.get(`/jobs/${id}`)).json.job_schedule;
          assert.deepEqual([sched.status, sched.event], [status, halt], `${halt} after a ${status} PATCH`);
        }
        await api.patch(`/jobs/${id}`, { job_schedule: { status: 'completed', event: '', result: 'aborted' } });
        const done = (await api.get(`/jobs/${id}`)).json.job_schedule;
        assert.deepEqual([done.status, done.event], ['completed', '']);
      }
      // A start request is consumed as before.
      const id = await create({ job_schedule: { status: 'stop' } });
      await api.post(`/jobs/${id}/event`, { start: null });
      await api.patch(`/jobs/${id}`, { job_schedule: { status: 'scheduled', event: '' } });
      assert.equal((await api.get(`/jobs/${id}`)).json.job_schedule.event, '');
    });

    it('rejects bad events with 400 and unknown jobs with 404', async () => {
      const id = await create();
      for (const [body, message] of [
        [{ explode: null }, 'Bad Action Method'],
        [{ remove: null }, 'Bad Action Method'],
        [{}, 'Bad event request format'],
        [[], 'Bad event request format'],
        ['"start"', 'Bad event request format'],
        [undefined, 'Bad event request format'],
      ] as Array<[unknown, string]>) {
        const res = await api.post(`/jobs/${id}/event`, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.json.description, message);
      }
      const missing = await api.post('/jobs/nosuchjob/event', { start: null });
      assert.equal(missing.status, 404);
      assert.equal(missing.json.description, 'No Job found with ID:nosuchjob');
    });
  });
});
