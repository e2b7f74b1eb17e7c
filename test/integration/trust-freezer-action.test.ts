import assert from 'node:assert/strict';
import options from '../../schemas/freezer_action_options.json';
import { Api, type Response } from '../helpers/http';
import { startServer, useServer, type RunningServer } from '../helpers/server';

const TYPOS = { action: 'backup', backup_name: 'b', encrypt_pass_fle: '/k', compresion: 'zstd' };
const TYPO_MESSAGE =
  "Unknown freezer_action options 'encrypt_pass_fle' (did you mean 'encrypt_pass_file'?), 'compresion' (did you mean 'compression'?)";

function refused(res: Response, description: string | RegExp, what: string): void {
  assert.equal(res.status, 400, `${what}: ${res.text}`);
  if (typeof description === 'string') assert.equal(res.json.description, description, what);
  else assert.match(res.json.description, description, what);
}

describe('trust 14: the API refuses unknown freezer_action keys and action names (strict_freezer_action, the default)', () => {
  const server = useServer();
  let api: Api;
  before(() => {
    api = Api.v2(server().url, 'typo_p', 'typist');
  });

  it('trust 14: a job with typos in its freezer_action is a 400 naming each key with a "did you mean", and nothing is stored', async () => {
    const res = await api.post('/jobs', { client_id: 'h1', job_actions: [{ freezer_action: { action: 'info' } }, { freezer_action: TYPOS }] });
    refused(res, `${TYPO_MESSAGE} in job_actions[1].freezer_action`, 'POST /jobs');
    assert.deepEqual((await api.get('/jobs')).json, { jobs: [] });
    assert.deepEqual((await api.get('/actions')).json, { actions: [] }, 'the valid first action was not registered either');
  });

  it('trust 14: an unknown action name is a 400 with the known actions', async () => {
    const res = await api.post('/jobs', { client_id: 'h1', job_actions: [{ freezer_action: { action: 'bakup' } }] });
    refused(res, "Unknown action 'bakup' (did you mean 'backup'?) in job_actions[0].freezer_action.action; the actions are backup, restore, admin, info, exec", 'action name');
    refused(await api.post('/actions', { freezer_action: { action: 'nothing-like-it' } }), /^Unknown action 'nothing-like-it' in freezer_action\.action;/, 'POST /actions');
  });

  it('trust 14: every place a freezer_action enters: job create/replace/patch, action_defaults, actions create/replace/patch, v1 too', async () => {
    const job = await api.post('/jobs', { client_id: 'h1', job_actions: [{ freezer_action: { action: 'backup', backup_name: 'b' } }] });
    assert.equal(job.status, 201, job.text);
    const jid = job.json.job_id as string;
    const action = await api.post('/actions', { freezer_action: { action: 'backup' } });
    const aid = action.json.action_id as string;
    const bad = { freezer_action: TYPOS };
    const cases: Array<[string, Promise<Response>, string]> = [
      ['POST /jobs/{id}', api.post(`/jobs/${jid}`, { client_id: 'h1', job_actions: [bad] }), `${TYPO_MESSAGE} in job_actions[0].freezer_action`],
      ['PATCH /jobs/{id}', api.patch(`/jobs/${jid}`, { job_actions: [bad] }), `${TYPO_MESSAGE} in job_actions[0].freezer_action`],
      ['action_defaults (create)', api.post('/jobs', { client_id: 'h1', action_defaults: { compresion: 'zstd' }, job_actions: [{ freezer_action: { action: 'backup' } }] }), "Unknown freezer_action option 'compresion' (did you mean 'compression'?) in action_defaults"],
      ['action_defaults (patch)', api.patch(`/jobs/${jid}`, { action_defaults: { dry_rnu: true }, job_actions: [{ freezer_action: { action: 'backup' } }] }), "Unknown freezer_action option 'dry_rnu' (did you mean 'dry_run'?) in action_defaults"],
      ['POST /actions', api.post('/actions', bad), `${TYPO_MESSAGE} in freezer_action`],
      ['POST /actions/{id}', api.post(`/actions/${aid}`, bad), `${TYPO_MESSAGE} in freezer_action`],
      ['PATCH /actions/{id}', api.patch(`/actions/${aid}`, bad), `${TYPO_MESSAGE} in freezer_action`],
      ['v1 POST /jobs', Api.v1(server().url, 'typist').post('/jobs', { client_id: 'h1', job_actions: [bad] }), `${TYPO_MESSAGE} in job_actions[0].freezer_action`],
      ['v1 POST /actions', Api.v1(server().url, 'typist').post('/actions', bad), `${TYPO_MESSAGE} in freezer_action`],
    ];
    for (const [what, res, message] of cases) refused(await res, message, what);
    // Nothing changed: the job and the action keep their valid freezer_action.
    assert.deepEqual((await api.get(`/jobs/${jid}`)).json.job_actions[0].freezer_action, { action: 'backup', backup_name: 'b' });
    assert.equal((await api.get(`/actions/${aid}`)).json.freezer_action.compresion, undefined);
  });

  it('control: every key of schemas/freezer_action_options.json and every action is accepted', async () => {
    const all: Record<string, unknown> = {};
    for (const key of Object.keys(options.properties)) all[key] = key === 'action' ? 'backup' : 'x';
    const res = await api.post('/jobs', { client_id: 'h1', job_actions: [{ freezer_action: all }], action_defaults: { compression: 'zstd' } });
    assert.equal(res.status, 201, res.text);
    for (const name of options.properties.action.enum) {
      const r = await api.post('/actions', { freezer_action: { action: name } });
      assert.equal(r.status, 201, `${name}: ${r.text}`);
    }
  });

  it('trust 14: a long hostile key is quoted short, without a suggestion', async () => {
    const res = await api.post('/actions', { freezer_action: { action: 'backup', ['x'.repeat(60000)]: 1 } });
    refused(res, `Unknown freezer_action option '${'x'.repeat(64)}...' in freezer_action`, 'long key');
  });
});

describe('trust 14: strict_freezer_action false restores the stock leniency; documents from then stay usable', function () {
  this.timeout(60000);
  let server: RunningServer | null = null;
  after(async () => {
    await server?.stop();
  });

  it('trust 14: lenient, a typo is stored as sent; strict again, that job is PATCHed back unchanged but not changed into another unknown key', async () => {
    server = await startServer({ env: { PERMAFROST_STRICT_FREEZER_ACTION: 'false' } });
    const api = Api.v2(server.url, 'lenient_p', 'lenient');
    const created = await api.post('/jobs', { client_id: 'h1', job_actions: [{ freezer_action: TYPOS }] });
    assert.equal(created.status, 201, created.text);
    const jid = created.json.job_id as string;
    assert.equal((await api.get(`/jobs/${jid}`)).json.job_actions[0].freezer_action.encrypt_pass_fle, '/k');
    await server.kill9();
    server = await startServer({ dataDir: server.dataDir });
    const strict = Api.v2(server.url, 'lenient_p', 'lenient');
    // What the stock scheduler does: PATCH the whole document it read, with its new status.
    const doc = (await strict.get(`/jobs/${jid}`)).json;
    doc.job_schedule = { ...doc.job_schedule, status: 'scheduled' };
    const back = await strict.patch(`/jobs/${jid}`, doc);
    assert.equal(back.status, 200, back.text);
    doc.job_actions[0].freezer_action.encrypt_pass_fle = '/other';
    refused(await strict.patch(`/jobs/${jid}`, doc), `${TYPO_MESSAGE} in job_actions[0].freezer_action`, 'a changed freezer_action is new input');
  });
});
