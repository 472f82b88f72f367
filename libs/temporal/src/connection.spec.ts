import { temporalConnectionOptions } from './connection-options';

/** Stands in for the files: the bytes say which file was read. */
const readFile = (file: string) => Buffer.from(`contents of ${file}`);

describe('temporalConnectionOptions', () => {
  it('plaintext, address only, when nothing asks for TLS', () => {
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: '127.0.0.1:7233' }, readFile)).toEqual({
      address: '127.0.0.1:7233',
    });
    expect(
      temporalConnectionOptions({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS: false }, readFile),
    ).toEqual({ address: 'temporal:7233' });
  });

  it('TLS with the system CAs', () => {
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: 't:7233', TEMPORAL_TLS: true }, readFile)).toEqual({
      address: 't:7233',
      tls: {},
    });
  });

  it('mTLS: the server CA, the server name, the client certificate and key, read from their files', () => {
    expect(
      temporalConnectionOptions(
        {
          TEMPORAL_ADDRESS: 'temporal.internal:7233',
          TEMPORAL_TLS_CA: '/certs/ca.pem',
          TEMPORAL_TLS_SERVER_NAME: 'temporal.resolve.test',
          TEMPORAL_TLS_CERT: '/certs/client.pem',
          TEMPORAL_TLS_KEY: '/certs/client.key',
        },
        readFile,
      ),
    ).toEqual({
      address: 'temporal.internal:7233',
      tls: {
        serverRootCACertificate: Buffer.from('contents of /certs/ca.pem'),
        serverNameOverride: 'temporal.resolve.test',
        clientCertPair: {
          crt: Buffer.from('contents of /certs/client.pem'),
          key: Buffer.from('contents of /certs/client.key'),
        },
      },
    });
  });

  it('an API key turns TLS on', () => {
    expect(
      temporalConnectionOptions(
        { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k-1' },
        readFile,
      ),
    ).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'k-1' });
  });
});
