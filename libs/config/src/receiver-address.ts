import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where Resolve may send agencies' webhooks (docs/integrations.md, docs/security.md). Under
 * RESOLVE_ENV=production a receiver must be https:// on a public address: never this machine,
 * the private network Resolve runs in, link-local addresses or a cloud's metadata service, which
 * a registered URL (or a DNS answer changed after registration) could otherwise make Resolve
 * call from inside. Development allows anything (tests post to a receiver on localhost).
 */

const RANGES: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local or metadata-service address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'a reserved address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a reserved address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fc00::', 7, 'ipv6', 'a private (unique local) address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const blocked = RANGES.map(([network, prefix, family, kind]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, family, kind };
});

/** Host names of cloud metadata services, refused whatever they resolve to. */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.azure.com',
  'instance-data',
]);

/** What kind of non-public address `ip` is, or null for a public one (IPv4-mapped IPv6 as its IPv4). */
export function nonPublicAddressKind(ip: string): string | null {
  const address = ip.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return nonPublicAddressKind(mapped[1]);
  const version = isIP(address);
  if (version === 0) return 'not an IP address';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  return blocked.find((b) => b.family === family && b.list.check(address, family))?.kind ?? null;
}

/** Why `value` cannot be a receiver URL, or null: the address's form only (no DNS). */
export function receiverUrlProblem(value: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url: must be an absolute http(s) address';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url: must be an https:// address';
  if (url.username || url.password) return 'url: must not carry a user name or password';
  if (url.hash) return 'url: must not have a #fragment';
  if (!production) return null;
  if (url.protocol === 'http:') return 'url: must be https:// under RESOLVE_ENV=production';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost'))
    return `url: ${host} is this machine; under RESOLVE_ENV=production the receiver must be on a public address`;
  if (METADATA_HOSTS.has(host)) return `url: ${host} is a cloud metadata service`;
  if (isIP(host)) {
    const kind = nonPublicAddressKind(host);
    if (kind)
      return `url: ${host} is ${kind}; under RESOLVE_ENV=production the receiver must be on a public address`;
  }
  return null;
}

export type AddressResolver = (host: string) => Promise<string[]>;

const resolveAll: AddressResolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses.map((a) => a.address)),
    ),
  );

/**
 * receiverUrlProblem, then (production) the host's DNS answer: refused when any address it
 * resolves to is not public. Run at registration and before every delivery attempt.
 */
export async function receiverAddressProblem(
  value: string,
  production: boolean,
  resolver: AddressResolver = resolveAll,
): Promise<string | null> {
  const problem = receiverUrlProblem(value, production);
  if (problem || !production) return problem;
  const host = new URL(value).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return null;
  let addresses: string[];
  try {
    addresses = await resolver(host);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'no answer';
    return `url: ${host} does not resolve (${code})`;
  }
  for (const address of addresses) {
    const kind = nonPublicAddressKind(address);
    if (kind)
      return `url: ${host} resolves to ${kind} (${address}); the receiver must be on a public address`;
  }
  return null;
}

/**
 * A `lookup` for the POST's own connection that refuses non-public answers, so the address the
 * socket uses is the one checked (a DNS answer cannot change between the check and the connect).
 */
export const publicAddressLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(
    hostname,
    { ...options, verbatim: true },
    (err, result: string | LookupAddress[], family?: number) => {
      if (err) return callback(err, '', 0);
      const addresses = Array.isArray(result) ? result.map((r) => r.address) : [result];
      const refused = addresses.map((a) => [a, nonPublicAddressKind(a)] as const).find(([, kind]) => kind);
      if (refused) {
        const error = Object.assign(new Error(`${hostname} resolves to ${refused[1]} (${refused[0]})`), {
          code: 'ERECEIVERADDRESS',
        });
        return callback(error, '', 0);
      }
      (callback as (e: null, r: string | LookupAddress[], f?: number) => void)(null, result, family);
    },
  );
};
