import assert from 'node:assert/strict';
import { Api, type Response } from '../helpers/http';
import { useServer } from '../helpers/server';

/** The names that reach into an object's prototype when used as a plain property key. */
const HOSTILE = ['__proto__', 'constructor', 'prototype'] as const;

/** `{[key]: value}`: a computed key is an own property, so JSON.stringify sends it as a key. */
function keyed(key: string, value: unknown): Record<string, unknown> {
  return { [key]: value };
}

/** What a polluted Object.prototype would carry (the session steps write these four). */
const POISON = { status: 'polluted', result: 'polluted', time_started: 1, time_ended: 2 };

/**
 * Every user-controlled key and id of every route, set to `w`, through `api` (v1 or v2). Every
 * answer must be below 500; answers are collected so one run reports every offending route.
 */
async function attack(api: Api, w: string, failures: string[]): Promise<void> {
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await api.call(method, path, body);
    if (res.status >= 500) failures.push(`${api.base} ${method} ${path} ${JSON.stringify(body)} -> ${res.status} ${res.text}`);
    return res;
  };
  const fa = (extra: Record<string, unknown> = {}) => ({ action: 'backup', backup_name: 'b', ...extra });
  const e = encodeURIComponent(w);

  // clients: client_id, uuid and extra keys
  await call('POST', '/clients', { client_id: w, hostname: 'h', ...keyed(w, POISON) });
  await call('POST', '/clients', { client_id: `c${w}`, uuid: w, hostname: 'h' });
  await call('GET', `/clients/${e}`);
  await call('GET', '/clients', { match: [keyed(w, POISON)], match_not: [keyed(w, null)] });

  // jobs: top-level, job_schedule, job_action, freezer_action and action_defaults keys, ids in URLs
  await call('POST', '/jobs', { client_id: 'c1', job_actions: [{ freezer_action: fa() }], ...keyed(w, POISON) });
  await call('POST', '/jobs', { client_id: 'c1', job_schedule: keyed(w, POISON), job_actions: [{ freezer_action: fa() }] });
  await call('POST', '/jobs', {
    client_id: 'c1',
    action_defaults: { ...keyed(w, POISON), ...POISON },
    job_actions: [{ freezer_action: fa(keyed(w, POISON)), ...keyed(w, POISON) }, { ...keyed(w, POISON) }],
  });
  await call('POST', '/jobs', { client_id: w, job_actions: [{ freezer_action: fa({ action: w, mode: w }), action_id: w }] });
  await call('POST', `/jobs/${e}`, { client_id: 'c1', job_actions: [{ freezer_action: fa(), action_id: w }] });
  await call('PATCH', `/jobs/${e}`, keyed(w, POISON));
  await call('PATCH', `/jobs/${e}`, { job_schedule: { status: 'running' }, action_defaults: keyed(w, POISON), job_actions: [{ freezer_action: fa(), action_id: w }] });
  await call('POST', `/jobs/${e}/event`, keyed(w, null));
  await call('POST', `/jobs/${e}/event`, { start: null, ...keyed(w, POISON) });
  await call('GET', `/jobs/${e}`);
  await call('GET', '/jobs', { match: [keyed(w, 'x'), keyed(w, POISON)], match_not: [keyed(w, null)] });
  await call('GET', '/jobs', { match: [{ _all: JSON.stringify([keyed(w, 1), keyed('status', 'polluted')]) }] });
  await call('GET', `/jobs?limit=${e}&offset=${e}`);
  await call('GET', `/jobs?${e}=1&${e}[status]=polluted`);

  // actions: action_id, freezer_action keys, top-level keys, patch keys
  await call('POST', '/actions', { action_id: w, freezer_action: fa(keyed(w, POISON)), ...keyed(w, POISON) });
  await call('POST', `/actions/${e}`, { freezer_action: fa(keyed(w, POISON)), ...keyed(w, POISON) });
  await call('PATCH', `/actions/${e}`, { freezer_action: fa(keyed(w, 1)), ...keyed(w, POISON) });
  await call('GET', `/actions/${e}`);
  await call('GET', '/actions', { match: [keyed(w, POISON)] });

  // sessions: the reported attack first (a session holding some other job), then ids and keys everywhere
  const fresh = (await call('POST', '/sessions', { schedule: {}, hold_off: 0 })).json?.session_id as string;
  await call('PATCH', `/sessions/${fresh}`, { jobs: { other: { status: '' } } });
  await call('POST', `/sessions/${fresh}/action`, { start: { job_id: w, current_tag: 0 } });
  await call('POST', `/sessions/${fresh}/action`, { end: { job_id: w, result: 'fail' } });
  await call('POST', '/sessions', { schedule: {}, jobs: keyed(w, POISON), ...keyed(w, POISON) });
  await call('POST', `/sessions/${e}`, { schedule: {}, session_tag: 0, hold_off: 0, jobs: keyed(w, POISON) });
  await call('PATCH', `/sessions/${e}`, { jobs: keyed(w, { client_id: 'c1' }), ...keyed(w, POISON) });
  await call('PUT', `/sessions/${e}/jobs/${e}`);
  await call('POST', `/sessions/${e}/action`, { start: { job_id: w, current_tag: 0, ...keyed(w, POISON) } });
  await call('POST', `/sessions/${e}/action`, { end: { job_id: w, result: 'success' } });
  await call('POST', `/sessions/${e}/action`, keyed(w, { job_id: w }));
  await call('DELETE', `/sessions/${e}/jobs/${e}`);
  await call('GET', '/sessions', { match: [keyed(w, POISON)] });

  // backups: metadata keys, search keys, ids
  await call('POST', '/backups', { container: 'c', hostname: w, backup_name: w, ...keyed(w, POISON) });
  await call('GET', '/backups', { match: [keyed(w, POISON), { backup_name: w }] });
  await call('GET', `/backups/${e}`);

  for (const c of ['backups', 'actions', 'sessions', 'jobs', 'clients']) await call('DELETE', `/${c}/${e}`);
}

/** The writes the report says fail for every tenant once Object.prototype is polluted. */
async function victimStillWorks(api: Api): Promise<void> {
  const job = await api.post('/jobs', { client_id: 'victim_host', job_actions: [{ freezer_action: { action: 'backup', backup_name: 'v' } }] });
  assert.equal(job.status, 201, `victim job create: ${job.text}`);
  const jid = job.json.job_id as string;
  const session = await api.post('/sessions', { schedule: {}, hold_off: 0 });
  assert.equal(session.status, 201, `victim session create: ${session.text}`);
  const sid = session.json.session_id as string;
  const patch = await api.patch(`/jobs/${jid}`, { description: 'still fine', job_schedule: { status: 'scheduled' } });
  assert.equal(patch.status, 200, `victim job PATCH: ${patch.text}`);
  assert.equal((await api.put(`/sessions/${sid}/jobs/${jid}`)).status, 204);
  const start = await api.post(`/sessions/${sid}/action`, { start: { job_id: jid, current_tag: 0 } });
  assert.deepEqual([start.status, start.json], [202, { result: 'success', session_tag: 1 }], start.text);
  const end = await api.post(`/sessions/${sid}/action`, { end: { job_id: jid, result: 'success' } });
  assert.equal(end.status, 202, end.text);
  // Nothing inherited shows up in what the victim reads back: exactly the stored fields.
  const doc = (await api.get(`/jobs/${jid}`)).json;
  assert.deepEqual(Object.keys(doc).sort(), ['client_id', 'description', 'job_actions', 'job_id', 'job_schedule', 'project_id', 'session_id', 'session_tag', 'user_id']);
  const sdoc = (await api.get(`/sessions/${sid}`)).json;
  assert.deepEqual(sdoc.jobs[jid].status, 'completed');
  assert.equal(sdoc.status, 'completed');
  // A search for the poison finds nothing: no document of the victim's carries it.
  assert.deepEqual((await api.get('/jobs', { match: [{ status: 'polluted' }] })).json, { jobs: [] });
}

for (const [label, env] of [
  ['strict freezer_action (default)', {}],
  ['lenient freezer_action', { PERMAFROST_STRICT_FREEZER_ACTION: 'false' }],
] as const) {
  describe(`trust 3: prototype keys as every key and id, v1 and v2 (${label})`, function () {
    this.timeout(60000);
    const server = useServer({ env: { ...env } });

    it('trust 3: __proto__, constructor and prototype everywhere: no 5xx, and another tenant still creates, patches and runs sessions', async () => {
      const failures: string[] = [];
      for (const w of HOSTILE) {
        // The word as the tenant (project and user), and inside the documents of ordinary tenants.
        await attack(Api.v2(server().url, w, w), w, failures);
        await attack(Api.v2(server().url, 'mallory_p', 'mallory'), w, failures);
        await attack(Api.v1(server().url, 'mallory'), w, failures);
        await attack(Api.v1(server().url, w), w, failures);
      }
      assert.deepEqual(failures, []);
      await victimStillWorks(Api.v2(server().url, 'victim_p', 'victim'));
      await victimStillWorks(Api.v1(server().url, 'victim1'));
      assert.doesNotMatch(server().logs(), /unhandled error/);
    });

    it('trust 3: a prototype name is stored and used as plain data (session job ids, search keys)', async () => {
      for (const w of HOSTILE) {
        const api = Api.v2(server().url, 'plain_p', `plain_${w}`);
        const e = encodeURIComponent(w);
        const job = await api.post(`/jobs/${e}`, { client_id: 'c1', description: w, job_actions: [{ freezer_action: { action: 'backup' } }] });
        assert.equal(job.status, 201, job.text);
        const sid = (await api.post('/sessions', { schedule: {}, hold_off: 0 })).json.session_id as string;
        assert.equal((await api.patch(`/sessions/${sid}`, { jobs: { other: { status: '' } } })).status, 200);
        // The report's attack, against a session that does not hold that job: refused, nothing written.
        const orphan = await api.post(`/sessions/${sid}/action`, { start: { job_id: w, current_tag: 0 } });
        assert.deepEqual([orphan.status, orphan.json?.description], [400, 'job_id not found in session']);
        assert.equal((await api.put(`/sessions/${sid}/jobs/${e}`)).status, 204);
        const session = (await api.get(`/sessions/${sid}`)).json;
        assert.ok(Object.hasOwn(session.jobs, w), `jobs has its own ${w} entry`);
        assert.equal(session.jobs[w].client_id, 'c1');
        const start = await api.post(`/sessions/${sid}/action`, { start: { job_id: w, current_tag: 0 } });
        assert.deepEqual(start.json, { result: 'success', session_tag: 1 });
        assert.equal((await api.get(`/sessions/${sid}`)).json.jobs[w].status, 'running');
        // A search on the key `w` finds the document that has it, and only that one.
        const backup = await api.post('/backups', { container: 'c', hostname: 'h', backup_name: 'b', ...keyed(w, { deep: 1 }) });
        assert.equal(backup.status, 201, backup.text);
        await api.post('/backups', { container: 'c', hostname: 'h', backup_name: 'other' });
        const found = (await api.get('/backups', { match: [keyed(w, { deep: 1 })] })).json.backups;
        assert.deepEqual(found.map((b: { backup_id: string }) => b.backup_id), [backup.json.backup_id]);
        assert.deepEqual(found[0].backup_metadata[w], { deep: 1 });
      }
    });
  });
}
