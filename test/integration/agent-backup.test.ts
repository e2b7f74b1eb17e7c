import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startAgent, waitFor, type RunningAgent } from '../helpers/agent';
import { ensureEngineTools, tempDir } from '../helpers/engine';
import { Api } from '../helpers/http';
import { startServer, type RunningServer } from '../helpers/server';
import { makeTree, manifest, manifestDiff } from '../helpers/tree';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The agent runs backup, restore and admin jobs from a real Permafrost API: progress shows on
 * the job's run while a backup runs (the job keeps the last snapshot), the result document reaches /backups with the real
 * level, and the restored tree equals the source.
 */
describe('agent backup, restore and admin jobs against Permafrost', function () {
  this.timeout(120_000);
  let server: RunningServer;
  let agent: RunningAgent;
  let owner: Api;
  let work = '';
  const clientId = 'bkhost';

  before(async () => {
    ensureEngineTools();
    server = await startServer();
    owner = Api.v2(server.url, 'proj', 'alice');
    work = tempDir('agent-backup');
    agent = startAgent({
      PERMAFROST_AGENT_API_URL: server.url, PERMAFROST_AGENT_NOAUTH_USER: 'alice', OS_PROJECT_ID: 'proj',
      PERMAFROST_AGENT_CLIENT_ID: clientId, PERMAFROST_AGENT_INTERVAL: '0.3', PERMAFROST_AGENT_LOG_LEVEL: 'info',
    });
    await waitFor('the agent to register', 20_000, async () => (await owner.get(`/clients/${clientId}`)).status === 200);
  });
  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(agent.logs().slice(-4000));
    await agent?.stop();
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const runJob = async (freezerAction: Doc, watch?: (s: Doc, jobId: string) => Promise<void>): Promise<Doc> => {
    const res = await owner.post('/jobs', { client_id: clientId, description: String(freezerAction.action), job_schedule: {}, job_actions: [{ freezer_action: freezerAction, max_retries: 0 }] });
    assert.equal(res.status, 201, res.text);
    const id = res.json.job_id as string;
    return waitFor(`job ${id} to complete`, 60_000, async () => {
      const s = (await owner.get(`/jobs/${id}`)).json.job_schedule as Doc;
      await watch?.(s, id);
      return s.status === 'completed' ? { ...s, job_id: id } : null;
    });
  };

  it('backs up with progress in flight, restores the same tree, and lists retention in a dry run', async () => {
    const src = path.join(work, 'src');
    makeTree(src);
    // Slow enough (xz, ~16 MiB of text) that the run is seen in flight.
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, 'data', `big-${i}.txt`), crypto.randomBytes(3_000_000).toString('base64'));
    const common = { storage: 'local', container: path.join(work, 'store'), backup_name: 'agentbk', hostname: 'h' };
    const seen: Doc[] = [];
    // Live progress is on the job's run (the agent's run reports); the job gets the last snapshot.
    const done = await runJob({ action: 'backup', ...common, path_to_backup: src, compression: 'xz' }, async (s, id) => {
      if (s.status !== 'running') return;
      const run = ((await owner.get(`/runs?job_id=${id}`)).json.runs as Doc[])[0];
      if (run?.status === 'running' && run.progress) seen.push(run.progress as Doc);
    });
    assert.equal(done.result, 'success');
    assert.ok(seen.length > 0, 'progress was visible while the backup ran');
    assert.ok(seen.every((p) => p.phase === 'backup' && typeof p.bytes_done === 'number'), JSON.stringify(seen));
    const final = done.progress as Doc;
    assert.equal(final.eta_s, 0);
    assert.ok(final.bytes_done >= 16_000_000 && final.files_done >= 15, JSON.stringify(final));

    const backups = (await owner.get('/backups')).json.backups as Doc[];
    const posted = backups.find((b) => b.backup_metadata?.job_id === done.job_id || b.job_id === done.job_id);
    assert.ok(posted, JSON.stringify(backups).slice(0, 500));
    const meta = (posted.backup_metadata ?? posted) as Doc;
    assert.equal(meta.curr_backup_level, 0);
    assert.equal(meta.backup_name, 'agentbk');
    assert.ok(meta.permafrost.stored_bytes > 0);

    const target = path.join(work, 'restored');
    const restored = await runJob({ action: 'restore', ...common, restore_abs_path: target });
    assert.equal(restored.result, 'success');
    assert.deepEqual(manifestDiff(manifest(src), manifest(target)), []);

    const admin = await runJob({ action: 'admin', ...common, remove_older_than: 0.0001, dry_run: true });
    assert.equal(admin.result, 'success');
    assert.match(agent.logs(), /dry run: would remove 0 chain\(s\) of h_agentbk/);
  });

  it('a backup with bad options fails the job with a clear message, and the agent goes on', async () => {
    const done = await runJob({ action: 'backup', storage: 'local', container: path.join(work, 'store'), backup_name: 'x', path_to_backup: '/does/not/exist' });
    assert.equal(done.result, 'fail');
    assert.match(agent.logs(), /backup failed: path_to_backup \/does\/not\/exist does not exist/);
  });
});
