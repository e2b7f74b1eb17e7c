import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { identityOf, JwtAuthenticator } from '../../../src/auth/jwt-authenticator';
import type { TokenClaims } from '../../../src/auth/tokens';
import { UnauthorizedError } from '../../../src/errors';

const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
  sub: 'u-1', name: 'alice', project: 'p-1', project_name: 'backups', roles: ['member'], methods: ['password'],
  jti: 'j-1', iat: 1, exp: 2, ...over,
});

describe('JwtAuthenticator (auth/jwt-authenticator.ts)', () => {
  /** Validates exactly the token 'good', as the token service would after verification. */
  const authenticator = (valid: TokenClaims = claims()) => {
    const seen: string[] = [];
    const tokens = {
      validate(token: string): TokenClaims {
        seen.push(token);
        if (token !== 'good') throw new UnauthorizedError('The request you have made requires authentication.');
        return valid;
      },
    };
    return { seen, auth: new JwtAuthenticator(tokens, 'admin') };
  };
  const refused = (err: unknown) => {
    assert.ok(err instanceof UnauthorizedError, String(err));
    assert.equal(err.status, 401);
    assert.equal(err.message, 'The request you have made requires authentication.');
    return true;
  };

  it('validates the token of X-Auth-Token or Authorization: Bearer and describes its bearer', async () => {
    for (const headers of [{ 'x-auth-token': 'good' }, { authorization: 'Bearer good' }] as IncomingHttpHeaders[]) {
      const { seen, auth } = authenticator();
      assert.equal(auth.mode, 'jwt');
      assert.deepEqual(await auth.authenticate(headers), identityOf(claims(), 'admin'));
      assert.deepEqual(seen, ['good']);
    }
  });

  it('refuses a request without a token (401) before validating anything, and one whose token fails validation', async () => {
    for (const headers of [{}, { 'x-auth-token': '' }, { authorization: 'Basic Z29vZA==' }] as IncomingHttpHeaders[]) {
      const { seen, auth } = authenticator();
      await assert.rejects(auth.authenticate(headers), refused);
      assert.deepEqual(seen, [], 'nothing to validate');
    }
    await assert.rejects(authenticator().auth.authenticate({ 'x-auth-token': 'forged' }), refused);
  });
});

describe('identityOf (auth/jwt-authenticator.ts)', () => {
  it('maps the claims to the caller: user, name, project, roles, token id and methods; no client limit', () => {
    assert.deepEqual(identityOf(claims({ methods: ['token', 'password'] }), 'admin'), {
      userId: 'u-1',
      userName: 'alice',
      projectId: 'p-1',
      roles: ['member'],
      clientId: null,
      tokenId: 'j-1',
      methods: ['token', 'password'],
      isAdminProject: false,
    });
  });

  it('carries the client limit and the application credential when the token has them', () => {
    const identity = identityOf(claims({ cid: 'host-1', acid: 'ac-1' }), 'admin');
    assert.equal(identity.clientId, 'host-1');
    assert.equal(identity.appCredentialId, 'ac-1');
    assert.ok(!('appCredentialId' in identityOf(claims(), 'admin')), 'no application credential named when there is none');
  });

  it('recognises the cloud admin project by id or by name, and nothing else', () => {
    assert.equal(identityOf(claims({ project: 'admin', project_name: 'other' }), 'admin').isAdminProject, true);
    assert.equal(identityOf(claims({ project: 'p-9', project_name: 'admin' }), 'admin').isAdminProject, true);
    assert.equal(identityOf(claims({ project: 'p-9', project_name: 'Admin' }), 'admin').isAdminProject, false);
    assert.equal(identityOf(claims({ project: 'p-9', project_name: undefined }), 'admin').isAdminProject, false);
  });

  it('never takes a project-less (unscoped) token for the admin project, whatever project_name it carries', () => {
    assert.equal(identityOf(claims({ project: null, project_name: 'admin' }), 'admin').isAdminProject, false);
    assert.equal(identityOf(claims({ project: null, project_name: null }), 'admin').isAdminProject, false);
  });
});
