import { adminToken, createProject, createTenant, JWT_ENV, login, v3 } from '../helpers/identity';
import { startServer } from '../helpers/server';
import { agentScenarios } from './agent-scenarios';

/**
 * Permafrost's agent against Permafrost (auth=jwt): the agent logs in at /v3 with an application
 * credential limited to its own client, as a deployment would set it up.
 */
agentScenarios('permafrost agent against Permafrost (jwt, client-limited application credential)', async () => {
  const server = await startServer({ env: JWT_ENV });
  const admin = await adminToken(server.url);
  const projectId = await createProject(server.url, admin, 'agents');
  const owner = await createTenant(server.url, admin, { projectId, user: 'operator', role: 'member' });
  const clientId = 'host-a';
  const cred = await v3(server.url, owner.token, 'POST', `/users/${owner.userId}/application_credentials`, { application_credential: { name: 'agent-host-a', client_id: clientId } });
  const { id, secret } = cred.json.application_credential as { id: string; secret: string };
  // The credential works before the agent is pointed at it.
  if ((await login(server.url, { identity: { methods: ['application_credential'], application_credential: { id, secret } } })).status !== 201) {
    throw new Error('the application credential does not log in');
  }
  return {
    owner: owner.api,
    clientId,
    agentEnv: {
      PERMAFROST_AGENT_API_URL: server.url,
      OS_AUTH_URL: `${server.url}/v3`,
      OS_APPLICATION_CREDENTIAL_ID: id,
      OS_APPLICATION_CREDENTIAL_SECRET: secret,
    },
    stop: () => server.stop(),
  };
});
