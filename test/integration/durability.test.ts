import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Api } from '../helpers/http';
import { startServer, type RunningServer } from '../helpers/server';

/**
 * `kill -9` of the server in the middle of a stream of creates must not lose any write that was
 * answered 2xx: each round kills the process at a random moment under load, restarts it on the
 * same data directory and reads every acknowledged document back.
 */
describe('durability: kill -9 during a stream of creates', function () {
  this.timeout(90000);
  let server: RunningServer | null = null;
  let dataDir = '';
  after(async () => {
    await server?.kill9();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged job and backup across three kills', async () => {
    const acked: Array<{ kind: 'jobs' | 'backups'; id: string; marker: string }> = [];
    let failedAfterKill = 0;
    for (let round = 0; round < 3; round++) {
      server = await startServer(dataDir ? { dataDir } : {});
      dataDir = server.dataDir;
      const api = Api.v2(server.url, 'durable', 'alice');
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const marker = `r${round}-w${w}-${i}`;
          const kind = i % 2 ? 'jobs' : 'backups';
          const body =
            kind === 'jobs'
              ? { client_id: 'durable_host', description: marker, job_actions: [{ freezer_action: { action: 'backup' } }] }
              : { container: 'c', hostname: 'h', backup_name: marker };
          try {
            const res = await api.post(`/${kind}`, body);
            if (res.status === 201) acked.push({ kind, id: kind === 'jobs' ? res.json.job_id : res.json.backup_id, marker });
          } catch {
            failedAfterKill++; // the connection died with the server: not acknowledged, nothing to check
            return;
          }
        }
      };
      const writers = Array.from({ length: 12 }, (_, w) => writer(w));
      await new Promise((r) => setTimeout(r, 400 + Math.floor(Math.random() * 800)));
      await server.kill9();
      stop = true;
      await Promise.all(writers);
    }
    assert.ok(acked.length > 100, `only ${acked.length} writes were acknowledged`);
    assert.ok(failedAfterKill > 0, 'the kill should have cut requests in flight');

    server = await startServer({ dataDir });
    const api = Api.v2(server.url, 'durable', 'alice');
    const missing: string[] = [];
    for (const w of acked) {
      const res = await api.get(`/${w.kind}/${w.id}`);
      const marker = w.kind === 'jobs' ? res.json?.description : res.json?.backup_metadata?.backup_name;
      if (res.status !== 200 || marker !== w.marker) missing.push(`${w.kind}/${w.id} (${w.marker}): ${res.status}`);
    }
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged writes were lost`);
    const list = await api.get('/backups?limit=-1');
    assert.ok(list.json.backups.length >= acked.filter((w) => w.kind === 'backups').length);
  });
});
