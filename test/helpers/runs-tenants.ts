import assert from 'node:assert/strict';
import type { Api } from './http';
import { adminToken, createProject, createTenant, login, tokenApi, v3, type Tenant } from './identity';

/** Who the runs suites act as: members, a reader, another project, and hostA's agent. */
export interface RunsTenants {
  /** Member of project A, owner of the jobs. */
  alice: Tenant;
  /** Another member of project A. */
  bob: Tenant;
  /** A reader of project A. */
  reader: Tenant;
  /** A member of project B. */
  carol: Tenant;
  /** alice's agent credential for client hostA (a client-limited token), on project A. */
  agent: Api;
  agentToken: string;
  /** alice's backup jobs for hostA and hostB. */
  jobA: string;
  jobB: string;
}

/** Creates them on a server with auth=jwt; `name` keeps each suite's users apart. */
export async function createRunsTenants(url: string, name: string): Promise<RunsTenants> {
  const admin = await adminToken(url);
  const projA = await createProject(url, admin, `${name}-a`);
  const projB = await createProject(url, admin, `${name}-b`);
  const alice = await createTenant(url, admin, { projectId: projA, user: `${name}-alice`, role: 'member' });
  const bob = await createTenant(url, admin, { projectId: projA, user: `${name}-bob`, role: 'member' });
  const reader = await createTenant(url, admin, { projectId: projA, user: `${name}-reader`, role: 'reader' });
  const carol = await createTenant(url, admin, { projectId: projB, user: `${name}-carol`, role: 'member' });
  const cred = await v3(url, alice.token, 'POST', `/users/${alice.userId}/application_credentials`, { application_credential: { name: 'agent', client_id: 'hostA' } });
  assert.equal(cred.status, 201, cred.text);
  const agentLogin = await login(url, {
    identity: { methods: ['application_credential'], application_credential: { id: cred.json.application_credential.id, secret: cred.json.application_credential.secret } },
  });
  const agentToken = agentLogin.headers['x-subject-token'] as string;
  const job = (client: string) => ({ client_id: client, job_schedule: {}, job_actions: [{ freezer_action: { action: 'backup', backup_name: 'b', path_to_backup: '/srv' }, max_retries: 2 }] });
  const jobA = (await alice.api.post('/jobs', job('hostA'))).json.job_id as string;
  const jobB = (await alice.api.post('/jobs', job('hostB'))).json.job_id as string;
  return { alice, bob, reader, carol, agent: tokenApi(url, projA, agentToken), agentToken, jobA, jobB };
}
