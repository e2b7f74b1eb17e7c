import assert from 'node:assert/strict';
import { guardedLookup, hostProblem, isPrivateAddress, urlProblem } from '../../../src/services/events/target-guard';

describe('webhook target guard (SSRF)', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast and reserved addresses, v4 and v6', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::5', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a9fe:a9fe', 'not-an-ip']) {
      assert.equal(isPrivateAddress(a), true, a);
    }
  });

  it('allows public addresses', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPrivateAddress(a), false, a);
  });

  it('accepts only absolute http(s) URLs without credentials, never echoing them', () => {
    assert.equal(urlProblem('https://hooks.example.com/x?y=1'), null);
    assert.equal(urlProblem('http://[2606:4700::1]:8080/'), null);
    assert.match(urlProblem('ftp://example.com/') ?? '', /only http and https/);
    assert.match(urlProblem('file:///etc/passwd') ?? '', /only http and https/);
    assert.match(urlProblem('/relative') ?? '', /not an absolute URL/);
    const withCreds = urlProblem('https://user:hunter2@example.com/');
    assert.match(withCreds ?? '', /credentials/);
    assert.ok(!(withCreds ?? '').includes('hunter2'));
  });

  it('checks where a host resolves (literal addresses and names); allow_private_targets skips it', async () => {
    assert.match((await hostProblem('127.0.0.1', false)) ?? '', /loopback, private or link-local/);
    assert.match((await hostProblem('[::1]', false)) ?? '', /loopback/);
    assert.match((await hostProblem('localhost', false)) ?? '', /resolves to/);
    assert.equal(await hostProblem('127.0.0.1', true), null);
    assert.equal(await hostProblem('8.8.8.8', false), null);
    // Names that do not resolve now are accepted; the delivery checks them again.
    assert.equal(await hostProblem('nothing.invalid', false), null);
  });

  it('refuses a private address where the connection resolves the name (delivery time)', async () => {
    const lookup = guardedLookup(false);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('localhost', {}, (e) => resolve(e)));
    assert.equal(err?.code, 'EPRIVATETARGET');
    assert.match(err?.message ?? '', /refused: localhost resolves to/);
    const allowed = guardedLookup(true);
    const address = await new Promise<string>((resolve, reject) => allowed('localhost', {}, (e, a) => (e ? reject(e) : resolve(a as string))));
    assert.ok(isPrivateAddress(address));
  });
});
