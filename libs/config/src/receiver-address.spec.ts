import { nonPublicAddressKind, publicAddressLookup, receiverAddressProblem } from './receiver-address';

describe('nonPublicAddressKind', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.8.9.10', 'a loopback address'],
    ['10.0.0.7', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'a link-local or metadata-service address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['0.0.0.0', 'an unspecified address'],
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fe80::1', 'a link-local address'],
    ['fd00:ec2::254', 'a private (unique local) address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:10.0.0.1', 'a private address'],
    ['[::1]', 'a loopback address'],
  ])('%s is %s', (ip, kind) => {
    expect(nonPublicAddressKind(ip)).toBe(kind);
  });

  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '2a00:1450:4009:81f::200e', '::ffff:8.8.8.8'])(
    '%s is public',
    (ip) => {
      expect(nonPublicAddressKind(ip)).toBeNull();
    },
  );
});

describe('receiverAddressProblem', () => {
  const answers = (addresses: string[]) => async () => addresses;

  it('refuses a host that resolves to a private address in production, naming host and kind', async () => {
    expect(
      await receiverAddressProblem(
        'https://hooks.agency.example/x',
        true,
        answers(['203.0.113.9', '10.0.0.5']),
      ),
    ).toBe(
      'url: hooks.agency.example resolves to a private address (10.0.0.5); the receiver must be on a public address',
    );
  });

  it('passes a host whose every address is public', async () => {
    expect(
      await receiverAddressProblem('https://hooks.agency.example/x', true, answers(['8.8.4.4'])),
    ).toBeNull();
  });

  it('names a host that does not resolve', async () => {
    const fails = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await receiverAddressProblem('https://nowhere.example/x', true, fails)).toBe(
      'url: nowhere.example does not resolve (ENOTFOUND)',
    );
  });

  it('does not look the host up outside production', async () => {
    const never = async (): Promise<string[]> => {
      throw new Error('looked up');
    };
    expect(await receiverAddressProblem('http://localhost:8080/x', false, never)).toBeNull();
  });
});

describe('publicAddressLookup', () => {
  it('refuses a connection to a name that resolves to this machine', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      publicAddressLookup('localhost', { all: true }, (err) => resolve(err)),
    );
    expect(error?.code).toBe('ERECEIVERADDRESS');
    expect(error?.message).toMatch(/^localhost resolves to a loopback address/);
  });
});
