import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { readConfig, temporalSettingsSchema } from '@resolve/config';
import {
  connectTemporalClient,
  connectTemporalWorker,
  startDevServer,
  type DevServer,
} from '@resolve/temporal';
import { freePort } from '@resolve/testing';

/**
 * The API, the worker and the notifier reach a production Temporal over TLS with a client
 * certificate (mTLS), through the one helper in @resolve/temporal. The Temporal CLI's dev
 * server has no TLS flags, so a TLS terminator stands in front of it here, as a load balancer
 * or Temporal's own frontend would: it speaks HTTP/2 over TLS 1.3, presents a certificate for
 * temporal.resolve.test from a throwaway CA, and requires a client certificate from that CA.
 * Both of the SDK's connections (the client's, in JavaScript; the worker's native one, in Rust)
 * must get through it with the settings, and fail without them.
 */
jest.setTimeout(120_000);

const SERVER_NAME = 'temporal.resolve.test';
const dir = mkdtempSync(path.join(tmpdir(), 'resolve-mtls-'));
const at = (name: string) => path.join(dir, name);

function openssl(...args: string[]) {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A key and a certificate for `cn`, with the given extensions, signed by the CA `ca`. */
function issue(name: string, cn: string, extensions: string, ca = 'ca') {
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    at(`${name}.key`),
    '-out',
    at(`${name}.csr`),
    '-subj',
    `/CN=${cn}`,
  );
  writeFileSync(at(`${name}.ext`), extensions);
  openssl(
    'x509',
    '-req',
    '-in',
    at(`${name}.csr`),
    '-CA',
    at(`${ca}.pem`),
    '-CAkey',
    at(`${ca}.key`),
    '-CAcreateserial',
    '-out',
    at(`${name}.pem`),
    '-days',
    '2',
    '-extfile',
    at(`${name}.ext`),
  );
}

function makeCa(name: string) {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    at(`${name}.key`),
    '-out',
    at(`${name}.pem`),
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
}

describe('Temporal over mTLS, from configuration', () => {
  let devServer: DevServer;
  let proxy: NetServer;
  let proxyPort: number;
  /** Client certificates the terminator accepted, by common name. */
  const accepted: string[] = [];

  beforeAll(async () => {
    makeCa('ca');
    makeCa('other-ca');
    issue(
      'server',
      SERVER_NAME,
      `subjectAltName=DNS:${SERVER_NAME}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
    );
    const clientExt =
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
    issue('client', 'resolve-worker', clientExt);
    issue('stranger', 'someone-else', clientExt, 'other-ca');

    const temporalPort = await freePort();
    devServer = await startDevServer({ port: temporalPort });
    proxyPort = await freePort();
    proxy = createServer(
      {
        key: readFileSync(at('server.key')),
        cert: readFileSync(at('server.pem')),
        ca: readFileSync(at('ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
        minVersion: 'TLSv1.2',
      },
      (socket: TLSSocket) => {
        accepted.push(String(socket.getPeerCertificate().subject?.CN));
        const upstream = connect({ host: '127.0.0.1', port: temporalPort });
        socket.pipe(upstream).pipe(socket);
        const close = () => {
          socket.destroy();
          upstream.destroy();
        };
        socket.on('error', close);
        upstream.on('error', close);
      },
    );
    proxy.on('tlsClientError', () => undefined); // refused handshakes are what some tests expect
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await devServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The settings as a service reads them from its environment. */
  const settings = (env: Record<string, string>) =>
    readConfig(temporalSettingsSchema, { TEMPORAL_ADDRESS: `127.0.0.1:${proxyPort}`, ...env });
  const mtls = {
    TEMPORAL_TLS_CA: at('ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    TEMPORAL_TLS_CERT: at('client.pem'),
    TEMPORAL_TLS_KEY: at('client.key'),
  };

  it("the client's connection (the API) gets through with the CA, server name and client certificate", async () => {
    accepted.length = 0;
    const connection = await connectTemporalClient(settings(mtls), { connectTimeout: 10_000 });
    try {
      const info = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(info.namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
    expect(accepted).toContain('resolve-worker');
  });

  it("the worker's native connection (the worker, the notifier) gets through too", async () => {
    accepted.length = 0;
    const connection = await connectTemporalWorker(settings(mtls));
    try {
      const info = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(info.namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
    expect(accepted).toContain('resolve-worker');
  });

  it('is refused without a client certificate, with one from another CA, or in plaintext', async () => {
    accepted.length = 0;
    const attempts = {
      'no client certificate': settings({
        TEMPORAL_TLS_CA: at('ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
      }),
      'a stranger certificate': settings({
        ...mtls,
        TEMPORAL_TLS_CERT: at('stranger.pem'),
        TEMPORAL_TLS_KEY: at('stranger.key'),
      }),
      plaintext: settings({}),
    };
    for (const [what, attempt] of Object.entries(attempts)) {
      const reached = connectTemporalWorker(attempt).then(async (c) => {
        try {
          await c.workflowService.describeNamespace({ namespace: 'default' });
        } finally {
          await c.close();
        }
      });
      await expect(reached).rejects.toThrow();
      const clientReached = connectTemporalClient(attempt, { connectTimeout: 3_000 }).then(async (c) => {
        try {
          await c.workflowService.describeNamespace({ namespace: 'default' });
        } finally {
          await c.close();
        }
      });
      await expect(clientReached).rejects.toThrow();
      expect({ what, accepted }).toEqual({ what, accepted: [] });
    }
  });

  it("is refused when the server's certificate is not for the configured name or not from the CA", async () => {
    for (const attempt of [
      settings({ ...mtls, TEMPORAL_TLS_SERVER_NAME: 'impostor.resolve.test' }),
      settings({ ...mtls, TEMPORAL_TLS_CA: at('other-ca.pem') }),
    ]) {
      const reached = connectTemporalWorker(attempt).then(async (c) => {
        try {
          await c.workflowService.describeNamespace({ namespace: 'default' });
        } finally {
          await c.close();
        }
      });
      await expect(reached).rejects.toThrow();
    }
  });
});
