import assert from 'node:assert/strict';
import { Api } from '../helpers/http';
import { useServer } from '../helpers/server';

describe('sessions (spec A.3.7, A.7)', () => {
  const server = useServer();
  let api: Api;
  before(() => {
    api = Api.v2(server().url, 'projA', 'alice');
  });

  const newJob = async (schedule: object = {}) =>
    (
      await api.post('/jobs', {
        client_id: 'projA_host1',
        job_schedule: schedule,
        job_actions: [{ freezer_action: { action: 'backup' } }],
      })
    ).json.job_id as string;
  const newSession = async (body: object = { schedule: { schedule_interval: '1 days' } }) => {
    const res = await api.post('/sessions', body);
    assert.equal(res.status, 201, res.text);
    return res.json.session_id as string;
  };
  const action = (sid: string, body: unknown) => api.post(`/sessions/${sid}/action`, body);

  it('creates a session with the reference defaults and no jobs key', async () => {
    const res = await api.post('/sessions', { description: 's1', schedule: { schedule_interval: '1 days' }, session_id: 'ignored' });
    assert.equal(res.status, 201);
    assert.match(res.json.session_id, /^[0-9a-f]{32}$/);
    const doc = (await api.get(`/sessions/${res.json.session_id}`)).json;
    assert.deepEqual(doc, {
      project_id: 'projA',
      session_id: res.json.session_id,
      user_id: 'alice',
      description: 's1',
      session_tag: 0,
      result: null,
      hold_off: 30,
      status: 'active',
      time_ended: -1,
      time_started: -1,
      time_end: -1,
      time_start: -1,
      schedule: { schedule_interval: '1 days' },
    });
    assert.equal((await api.get('/sessions')).json.sessions.length >= 1, true);
  });

  it('validates: schedule required, session_tag an integer, schedule fields checked', async () => {
    const cases: Array<[unknown, string]> = [
      [{ description: 'x' }, "'schedule' is a required property"],
      [{}, 'Missing request body'],
      [undefined, 'Missing request body'],
      [{ schedule: {}, session_tag: 'x' }, "'x' is not of type 'integer'"],
      [{ schedule: { nope: 1 } }, "Additional properties are not allowed ('nope' was unexpected)"],
      [{ schedule: {}, hold_off: 'x' }, "'x' is not of type 'integer'"],
    ];
    for (const [body, message] of cases) {
      const res = await api.post('/sessions', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.description, message);
    }
    assert.equal((await api.get('/sessions/nosuch')).status, 404);
    assert.equal((await api.get('/sessions/nosuch')).text, '');
  });

  it('PUT /sessions/{s}/jobs/{j} adds the job: session entry, and the job takes session id, tag and schedule', async () => {
    const sid = await newSession({ schedule: { schedule_interval: '2 hours' }, session_tag: 3 });
    const jid = await newJob({ status: 'scheduled', schedule_interval: '5 minutes' });
    const res = await api.put(`/sessions/${sid}/jobs/${jid}`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    const session = (await api.get(`/sessions/${sid}`)).json;
    assert.deepEqual(session.jobs, {
      [jid]: { client_id: 'projA_host1', status: 'scheduled', result: '', time_started: -1, time_ended: -1 },
    });
    const job = (await api.get(`/jobs/${jid}`)).json;
    assert.equal(job.session_id, sid);
    assert.equal(job.session_tag, 3);
    assert.deepEqual(job.job_schedule, { schedule_interval: '2 hours' });
  });

  it('PUT answers 404 for an unknown session or job', async () => {
    const sid = await newSession();
    const jid = await newJob();
    const noSession = await api.put(`/sessions/nosuch/jobs/${jid}`);
    assert.equal(noSession.status, 404);
    assert.equal(noSession.json.description, 'Session not register with ID nosuch');
    const noJob = await api.put(`/sessions/${sid}/jobs/nosuchjob`);
    assert.equal(noJob.status, 404);
    assert.equal(noJob.json.description, 'No Job found with ID:nosuchjob');
  });

  it('DELETE /sessions/{s}/jobs/{j} removes the job and tells it to stop', async () => {
    const sid = await newSession();
    const jid = await newJob();
    await api.put(`/sessions/${sid}/jobs/${jid}`);
    assert.equal((await api.delete(`/sessions/${sid}/jobs/${jid}`)).status, 204);
    assert.deepEqual((await api.get(`/sessions/${sid}`)).json.jobs, {});
    const job = (await api.get(`/jobs/${jid}`)).json;
    assert.deepEqual([job.session_id, job.session_tag, job.job_schedule], ['', 0, { event: 'stop' }]);
    const empty = await newSession();
    assert.equal((await api.delete(`/sessions/${empty}/jobs/${jid}`)).status, 204, 'no jobs map counts as empty');
    assert.equal((await api.delete(`/sessions/nosuch/jobs/${jid}`)).status, 404);
  });

  describe('start and end actions (spec A.7.3)', () => {
    it('a first start opens a run: tag 1, running; a session-completing end finishes it', async () => {
      const sid = await newSession({ schedule: {}, hold_off: 100 });
      const j1 = await newJob();
      const j2 = await newJob();
      await api.put(`/sessions/${sid}/jobs/${j1}`);
      await api.put(`/sessions/${sid}/jobs/${j2}`);
      const start = await action(sid, { start: { job_id: j1, current_tag: 0 } });
      assert.equal(start.status, 202);
      assert.deepEqual(start.json, { result: 'success', session_tag: 1 });
      let s = (await api.get(`/sessions/${sid}`)).json;
      assert.equal(s.status, 'running');
      assert.equal(s.result, '');
      assert.ok(s.time_start > 0);
      assert.equal(s.jobs[j1].status, 'running');
      // The second job joins the run started within hold_off with the older tag.
      assert.deepEqual((await action(sid, { start: { job_id: j2, current_tag: 0 } })).json, { result: 'success', session_tag: 1 });
      // Within hold_off, the current tag is too soon for a new run.
      assert.deepEqual((await action(sid, { start: { job_id: j1, current_tag: 1 } })).json, { result: 'hold-off', session_tag: 1 });
      const end1 = await action(sid, { end: { job_id: j1, result: 'success', current_tag: 99 } });
      assert.equal(end1.status, 202);
      assert.deepEqual(end1.json, { result: 'success', session_tag: 1 });
      s = (await api.get(`/sessions/${sid}`)).json;
      assert.equal(s.status, 'running', 'one job still running');
      assert.equal(s.jobs[j1].status, 'completed');
      await action(sid, { end: { job_id: j2, result: 'success' } });
      s = (await api.get(`/sessions/${sid}`)).json;
      assert.deepEqual([s.status, s.result], ['completed', 'success']);
      assert.ok(s.time_end > 0);
    });

    it('a failed job makes the session fail', async () => {
      const sid = await newSession({ schedule: {}, hold_off: 0 });
      const j1 = await newJob();
      await api.put(`/sessions/${sid}/jobs/${j1}`);
      await action(sid, { start: { job_id: j1, current_tag: 0 } });
      await action(sid, { end: { job_id: j1, result: 'fail' } });
      const s = (await api.get(`/sessions/${sid}`)).json;
      assert.deepEqual([s.status, s.result], ['completed', 'fail']);
    });

    it('after hold_off: an older tag is out of sync, the current tag starts a new run', async () => {
      const sid = await newSession({ schedule: {}, hold_off: 1 });
      const j1 = await newJob();
      await api.put(`/sessions/${sid}/jobs/${j1}`);
      assert.equal((await action(sid, { start: { job_id: j1, current_tag: 0 } })).json.session_tag, 1);
      // Waits for the clock itself (hold_off is 1 s, counted in whole seconds): nothing else to wait on.
      await new Promise((r) => setTimeout(r, 2100));
      assert.deepEqual((await action(sid, { start: { job_id: j1, current_tag: 0 } })).json, { result: 'out-of-sync', session_tag: 1 });
      assert.deepEqual((await action(sid, { start: { job_id: j1, current_tag: 1 } })).json, { result: 'success', session_tag: 2 });
    });

    it('refuses a tag above the session tag, jobs not in the session, and malformed actions', async () => {
      const sid = await newSession();
      const j1 = await newJob();
      const outsider = await newJob();
      await api.put(`/sessions/${sid}/jobs/${j1}`);
      const high = await action(sid, { start: { job_id: j1, current_tag: 5 } });
      assert.equal(high.status, 400);
      assert.equal(high.json.description, 'requested tag value too high. Session Tag: 0 Job Tag: 5');
      for (const body of [{ start: { job_id: outsider, current_tag: 0 } }, { end: { job_id: outsider, result: 'success' } }]) {
        const res = await action(sid, body);
        assert.equal(res.status, 400);
        assert.equal(res.json.description, 'job_id not found in session');
      }
      const unknown = await action(sid, { explode: {} });
      assert.equal(unknown.status, 405);
      assert.deepEqual(unknown.json, { title: 'Bad Method', description: 'Bad Action Method' });
      assert.equal(unknown.headers.allow, 'GET, POST, HEAD, PATCH, DELETE');
      for (const body of [{}, [], undefined, { start: null }, { start: { current_tag: 0 } }, { start: { job_id: j1 } }, { start: { job_id: j1, current_tag: 'x' } }, { end: { job_id: j1 } }]) {
        const res = await action(sid, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.json.title, 'Bad request format');
      }
      const missing = await action('nosuch', { start: { job_id: j1, current_tag: 0 } });
      assert.equal(missing.status, 404);
      assert.equal(missing.json.description, 'Session not register with ID nosuch');
    });
  });

  it('PATCH merges jobs per id, replaces other known fields, ignores unknown keys and ids', async () => {
    const sid = await newSession();
    const jid = await newJob();
    await api.put(`/sessions/${sid}/jobs/${jid}`);
    const res = await api.patch(`/sessions/${sid}`, {
      description: 'patched',
      jobs: { other: { status: 'running' } },
      foo: 'bar',
      user_id: 'mallory',
      project_id: 'projX',
      session_id: 'x',
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { session_id: sid, version: 0 });
    const s = (await api.get(`/sessions/${sid}`)).json;
    assert.equal(s.description, 'patched');
    assert.deepEqual(Object.keys(s.jobs).sort(), [jid, 'other'].sort());
    assert.equal(s.foo, undefined);
    assert.deepEqual([s.user_id, s.project_id, s.session_id], ['alice', 'projA', sid]);
    const bad = await api.patch(`/sessions/${sid}`, { session_tag: 'x' });
    assert.equal(bad.status, 400);
    const missing = await api.patch('/sessions/nosuch', { description: 'x' });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.description, 'Session not register with ID nosuch');
  });

  it('POST /sessions/{id} replaces sent fields, keeps others, sets jobs to null; creates when missing', async () => {
    const sid = await newSession({ description: 'orig', hold_off: 7, schedule: { schedule_interval: '1 days' } });
    const jid = await newJob();
    await api.put(`/sessions/${sid}/jobs/${jid}`);
    const res = await api.post(`/sessions/${sid}`, { schedule: { schedule_interval: '2 days' }, session_tag: 4 });
    assert.equal(res.status, 201);
    assert.deepEqual(res.json, { session_id: sid, version: sid });
    const s = (await api.get(`/sessions/${sid}`)).json;
    assert.deepEqual([s.description, s.hold_off, s.session_tag, s.jobs], ['orig', 7, 4, null]);
    assert.deepEqual(s.schedule, { schedule_interval: '2 days' });
    assert.equal((await api.post(`/sessions/${sid}`, { schedule: {} })).json.description, "'session_tag' is a required property");
    assert.equal((await api.post(`/sessions/${sid}`, {})).json.description, 'Missing request body');
    const created = await api.post('/sessions/brand-new', { schedule: {}, session_tag: 0 });
    assert.equal(created.status, 201);
    assert.equal((await api.get('/sessions/brand-new')).json.status, 'active');
  });

  it('DELETE answers 204 and the session is gone', async () => {
    const sid = await newSession();
    assert.equal((await api.delete(`/sessions/${sid}`)).status, 204);
    assert.equal((await api.get(`/sessions/${sid}`)).status, 404);
    assert.equal((await api.delete(`/sessions/${sid}`)).status, 204);
  });

  it('100 concurrent starts open one run: the tag moves once, the others join it', async () => {
    const sid = await newSession({ schedule: {}, hold_off: 60 });
    const jid = await newJob();
    await api.put(`/sessions/${sid}/jobs/${jid}`);
    const answers = await Promise.all(Array.from({ length: 100 }, () => action(sid, { start: { job_id: jid, current_tag: 0 } })));
    assert.ok(answers.every((a) => a.status === 202 && a.json.result === 'success' && a.json.session_tag === 1));
    assert.equal((await api.get(`/sessions/${sid}`)).json.session_tag, 1);
    // With the new tag, a further start within hold_off is refused, however many arrive at once.
    const again = await Promise.all(Array.from({ length: 20 }, () => action(sid, { start: { job_id: jid, current_tag: 1 } })));
    assert.ok(again.every((a) => a.json.result === 'hold-off' && a.json.session_tag === 1));
  });
});
