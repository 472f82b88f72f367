import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeNetworkError, postDelivery } from './post';

const headers = { 'webhook-id': 'm', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' };

describe('postDelivery against a local receiver', () => {
  let server: Server;
  let url: string;
  let answer: (res: import('node:http').ServerResponse) => void;
  const received: Array<{ headers: Record<string, unknown>; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        answer(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('delivers on a 2xx answer, sending the body and the signature headers', async () => {
    answer = (res) => res.writeHead(204).end();
    const result = await postDelivery(url, '{"a":1}', headers, 2000);
    expect(result).toMatchObject({ statusCode: 204, error: null });
    expect(received.at(-1)).toMatchObject({
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'webhook-id': 'm', 'webhook-signature': 'v1,x' },
    });
  });

  it("names a 5xx answer without quoting the receiver's body", async () => {
    answer = (res) => res.writeHead(500).end('stack trace with jane@example.org');
    const result = await postDelivery(url, '{}', headers, 2000);
    expect(result).toMatchObject({ statusCode: 500, error: 'the receiver answered HTTP 500' });
  });

  it('does not follow a redirect', async () => {
    answer = (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    expect(await postDelivery(url, '{}', headers, 2000)).toMatchObject({ statusCode: 302 });
  });

  it('gives up on a receiver that does not answer in time', async () => {
    answer = () => undefined;
    const result = await postDelivery(url, '{}', headers, 300);
    expect(result.statusCode).toBeNull();
    expect(result.error).toBe('no answer within 300 ms (timed out)');
    expect(result.durationMs).toBeGreaterThanOrEqual(250);
  });

  it('names a refused connection by its code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const result = await postDelivery(`http://127.0.0.1:${port}/`, '{}', headers, 2000);
    expect(result).toMatchObject({ statusCode: null, error: 'could not reach the receiver (ECONNREFUSED)' });
  });
});

describe('describeNetworkError', () => {
  it('keeps only the kind and the code', () => {
    const err = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND hooks.agency.example' },
    });
    expect(describeNetworkError(err, 1000)).toBe('could not reach the receiver (ENOTFOUND)');
    expect(describeNetworkError(new Error('odd'), 1000)).toBe('could not reach the receiver');
  });
});
