import dns from 'node:dns';
import net from 'node:net';

/**
 * Server-side request forgery guard for webhook targets: a tenant must not make the server post
 * to its own loopback, the cloud's metadata service (169.254.169.254) or a private network.
 * The check runs where the connection is made (a `lookup` for http.request), so a name that
 * resolves to a public address when the webhook is saved and to a private one later is refused
 * at delivery time too.
 */
const BLOCKED = new net.BlockList();
for (const [net4, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net4, prefix, 'ipv4');
}
for (const [net6, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const) {
  BLOCKED.addSubnet(net6, prefix, 'ipv6');
}

/** True for loopback, private, link-local, carrier-grade NAT, multicast, documentation and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  // IPv4 inside IPv6 (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96): judge the IPv4 address.
  const embedded = embeddedIpv4(address);
  if (embedded) return BLOCKED.check(embedded, 'ipv4');
  return BLOCKED.check(address, 'ipv6');
}

function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(lower);
  if (!m) return null;
  if (m[1]) return m[1];
  const hi = parseInt(m[2], 16);
  const lo = parseInt(m[3], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why a URL cannot be a webhook target by its form alone, or null. Never echoes the URL (it may carry secrets). */
export function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'url: not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url: only http and https targets are allowed';
  if (url.username || url.password) return 'url: must not carry credentials (use the secret: the body is signed)';
  if (!url.hostname) return 'url: has no host';
  return null;
}

/** Resolves a host as a connection would, and the problem with its addresses, or null. */
export async function hostProblem(hostname: string, allowPrivate: boolean): Promise<string | null> {
  if (allowPrivate) return null;
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
  } catch {
    // Not resolvable now (offline, split DNS): accepted; the delivery checks where it resolves then.
    return null;
  }
  const bad = addresses.find(isPrivateAddress);
  return bad ? `url: the host ${host} resolves to ${bad}, a loopback, private or link-local address (refused: webhooks.allow_private_targets is false)` : null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that refuses private addresses: the address checked is the one
 * the socket then connects to (no window for DNS to change in between).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses;
      if (!allowPrivate) {
        const bad = list.find((a) => isPrivateAddress(a.address));
        if (bad) {
          const refused = new Error(`refused: ${hostname} resolves to ${bad.address}, a loopback, private or link-local address`) as NodeJS.ErrnoException;
          refused.code = 'EPRIVATETARGET';
          return callback(refused, '', 0);
        }
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
