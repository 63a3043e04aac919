import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCheckContext, removeCheckContexts } from '../../test/helpers/check-context.js';
import type { Endpoint, Target } from '../targets/types.js';
import { check, describeRequestError } from './http.js';

let server: Server;
let tlsServer: Server;
let base: string;
let tlsPort: number;
let closedPort: number;
let certDir: string;

async function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  };
  switch (url.pathname) {
    case '/health':
      return send(200, 'Server Ready ✓ version=2.5\n', { 'X-Model': 'resnet50' });
    case '/echo':
      return send(
        200,
        JSON.stringify({
          method: req.method,
          host: req.headers.host,
          type: req.headers['content-type'] ?? null,
          auth: req.headers.authorization ?? null,
          body: Buffer.concat(chunks).toString(),
          servername: (req.socket as TLSSocket).servername ?? null,
        }),
        { 'content-type': 'application/json' },
      );
    case '/upload': {
      // Parsed by undici's multipart parser (Node's own fetch Response), not by the code under test.
      const form = await new Response(Buffer.concat(chunks), {
        headers: { 'content-type': req.headers['content-type'] ?? '' },
      }).formData();
      const file = form.get('file') as File | null;
      return send(
        200,
        JSON.stringify({
          top_k: form.get('top_k'),
          name: file?.name ?? null,
          type: file?.type ?? null,
          bytes: file ? Buffer.from(await file.arrayBuffer()).toString('hex') : null,
        }),
        { 'content-type': 'application/json' },
      );
    }
    case '/status':
      return send(Number(url.searchParams.get('code')), 'model not loaded');
    case '/slow':
      return setTimeout(() => send(200, 'late'), Number(url.searchParams.get('ms')));
    case '/redirect':
      return send(Number(url.searchParams.get('code') ?? 302), '', { location: '/echo' });
    case '/loop':
      return send(302, '', { location: '/loop' });
    case '/big':
      return send(200, `${'a'.repeat(1.5 * 1024 * 1024)}END`);
    default:
      return send(404, 'not found');
  }
}

const listen = (s: Server) =>
  new Promise<number>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)),
  );

beforeAll(async () => {
  server = createServer(handle);
  base = `http://127.0.0.1:${await listen(server)}`;
  certDir = mkdtempSync(join(tmpdir(), 'ailab-cert-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1'].concat([
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
    ]),
    { cwd: certDir, stdio: 'ignore' },
  );
  const tls = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) };
  tlsServer = createTlsServer(tls, handle);
  tlsPort = await listen(tlsServer);
  const spare = createServer();
  closedPort = await listen(spare);
  await new Promise((resolve) => spare.close(resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  tlsServer.closeAllConnections();
  await Promise.all([server, tlsServer].map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(certDir, { recursive: true, force: true });
  removeCheckContexts();
});

const runHttp = (options: unknown, ctx = makeCheckContext()) => check.run(ctx, check.schema.parse(options));

/** A context whose target routes every host to the local test server, as an SSH forward would. */
function forwardingContext(port: number) {
  const ctx = makeCheckContext();
  const seen: string[] = [];
  const target: Target = Object.create(ctx.target);
  target.connectTo = async (host, p): Promise<Endpoint> => {
    seen.push(`${host}:${p}`);
    return { host: '127.0.0.1', port, via: 'SSH to gpu-box', close: async () => {} };
  };
  return { ctx: { ...ctx, target }, seen };
}

describe('http check', () => {
  it('passes on a 2xx by default and records latency', async () => {
    const outcome = await runHttp({ url: `${base}/health` });
    expect(outcome.status).toBe('pass');
    expect(outcome.message).toBe('status 200');
    expect(outcome.facts?.latency_ms).toEqual(expect.any(Number));
  });

  it('fails on another status, with the body in details', async () => {
    const outcome = await runHttp({ url: `${base}/status?code=503` });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('status 503, expected 200..299');
    expect(outcome.observed).toBe('status: 503');
    expect(outcome.details).toBe(`GET ${base}/status?code=503 → 503 Service Unavailable\nmodel not loaded`);
  });

  it('status takes any value matcher', async () => {
    expect((await runHttp({ url: `${base}/nope`, status: 404 })).status).toBe('pass');
    expect((await runHttp({ url: `${base}/nope`, status: [200, 204] })).message).toBe(
      'status 404, expected one of 200, 204',
    );
  });

  it('body, with unicode and captures', async () => {
    const pass = await runHttp({
      url: `${base}/health`,
      body: { contains: 'Ready ✓', matches: 'version=(?<v>[\\d.]+)' },
    });
    expect(pass.status).toBe('pass');
    expect(pass.facts).toMatchObject({ v: 2.5 });
    const fail = await runHttp({ url: `${base}/health`, body: 'Loading' });
    expect(fail.message).toBe('body does not contain "Loading"');
    expect(fail.observed).toContain('"Server Ready ✓ version=2.5\\n"');
  });

  it('json on the body', async () => {
    const url = `${base}/echo`;
    expect((await runHttp({ url, json: { method: 'GET', '$.nope': { exists: false } } })).status).toBe(
      'pass',
    );
    expect((await runHttp({ url, json: { method: 'POST' } })).message).toBe(
      'body $.method GET, expected POST',
    );
    const notJson = await runHttp({ url: `${base}/health`, json: { a: 1 } });
    expect(notJson.message).toMatch(/^body is not JSON \(/);
  });

  it('headers_match, names in any case', async () => {
    const url = `${base}/health`;
    const pass = await runHttp({
      url,
      headers_match: { 'Content-Type': 'text/plain', 'x-model': { matches: '^resnet' } },
    });
    expect(pass.status).toBe('pass');
    const wrong = await runHttp({ url, headers_match: { 'content-type': 'json' } });
    expect(wrong.message).toBe('header content-type does not contain "json"');
    const missing = await runHttp({ url, headers_match: { 'X-Request-Id': 'x' } });
    expect(missing.message).toBe('response has no x-request-id header');
  });

  it('sends method, headers, request_json and request_body', async () => {
    const url = `${base}/echo`;
    const json = await runHttp({
      url,
      method: 'POST',
      headers: { Authorization: 'Bearer t' },
      request_json: { prompt: 'héllo', n: 1 },
      json: { method: 'POST', type: 'application/json', auth: 'Bearer t', body: '{"prompt":"héllo","n":1}' },
    });
    expect(json.status).toBe('pass');
    const raw = await runHttp({
      url,
      method: 'PUT',
      headers: { 'Content-Type': 'text/csv' },
      request_body: 'a,b\n',
      json: { method: 'PUT', type: 'text/csv', body: 'a,b\n' },
    });
    expect(raw.status).toBe('pass');
    const both = await runHttp({ url, request_body: 'x', request_json: {} });
    expect(both).toMatchObject({
      status: 'error',
      message: 'give one of request_body, request_json or form',
    });
  });

  it('form: uploads a file from the work folder with its fields, as curl -F does', async () => {
    const ctx = makeCheckContext();
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x0d, 0x0a, 0x22, 0xff, 0xd9]);
    writeFileSync(join(ctx.workDir, 'sample.jpg'), jpeg);
    const result = await runHttp(
      {
        url: `${base}/upload`,
        method: 'POST',
        form: { file: { file: 'sample.jpg' }, top_k: '5' },
        json: {
          '$.top_k': '5',
          '$.name': 'sample.jpg',
          '$.type': 'image/jpeg',
          '$.bytes': jpeg.toString('hex'),
        },
      },
      ctx,
    );
    expect(result.status, result.message).toBe('pass');
    const named = await runHttp(
      {
        url: `${base}/upload`,
        method: 'POST',
        form: { file: { file: 'sample.jpg', filename: 'x "1".png', type: 'image/png' } },
        json: { '$.name': 'x "1".png', '$.type': 'image/png' },
      },
      ctx,
    );
    expect(named.status, named.message).toBe('pass');
  });

  it('form: a missing file is an error naming it; two bodies or a GET form are refused', async () => {
    const missing = await runHttp({
      url: `${base}/upload`,
      method: 'POST',
      form: { file: { file: 'nope.jpg' } },
    });
    expect(missing.status).toBe('error');
    expect(missing.message).toMatch(/cannot read .*nope\.jpg for form field "file"/);
    const both = check.schema.parse({
      url: `${base}/upload`,
      method: 'POST',
      form: { a: 'b' },
      request_body: 'x',
    });
    expect(check.lint?.(both)).toEqual(['give one of request_body, request_json or form']);
    const get = check.schema.parse({ url: `${base}/upload`, form: { a: 'b' } });
    expect(check.lint?.(get)).toEqual(['a form is sent with POST, PUT or PATCH, not GET (set method: POST)']);
    expect((await check.run(makeCheckContext(), get)).status).toBe('error');
  });

  it('a URL may start with a placeholder; once filled it must be http(s)', async () => {
    expect(check.schema.safeParse({ url: '${{ base_url }}/models' }).success).toBe(true);
    expect(check.schema.safeParse({ url: 'ftp://x/models' }).success).toBe(false);
    // What the engine could hand the check once `${{ x }}` is filled with something else.
    const wrong = await check.run(makeCheckContext(), {
      ...check.schema.parse({ url: '${{ x }}' }),
      url: 'ftp://x/',
    });
    expect(wrong).toMatchObject({ status: 'error', message: 'not an http(s) URL: ftp://x/' });
  });

  it('max_latency', async () => {
    expect((await runHttp({ url: `${base}/slow?ms=1`, max_latency: '5s' })).status).toBe('pass');
    const outcome = await runHttp({ url: `${base}/slow?ms=150`, max_latency: '50ms' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(/^latency 1\d\dms, expected <= 50ms$/);
    expect(check.schema.safeParse({ url: base, max_latency: 'fast' }).success).toBe(false);
  });

  it('does not follow redirects unless asked', async () => {
    const url = `${base}/redirect`;
    expect((await runHttp({ url })).message).toBe('status 302, expected 200..299');
    const followed = await runHttp({ url, follow_redirects: true, json: { method: 'GET' } });
    expect(followed.status).toBe('pass');
  });

  it('303 turns a POST into a GET; 307 repeats it', async () => {
    const post = { method: 'POST', request_json: { a: 1 }, follow_redirects: true };
    const see = await runHttp({
      url: `${base}/redirect?code=303`,
      ...post,
      json: { method: 'GET', body: '' },
    });
    expect(see.status).toBe('pass');
    const again = await runHttp({
      url: `${base}/redirect?code=307`,
      ...post,
      json: { method: 'POST', body: '{"a":1}' },
    });
    expect(again.status).toBe('pass');
  });

  it('stops a redirect loop', async () => {
    const outcome = await runHttp({ url: `${base}/loop`, follow_redirects: true });
    expect(outcome).toMatchObject({ status: 'fail', observed: 'more than 10 redirects' });
  });

  it('connection refused is a fail (so `within` retries it)', async () => {
    const url = `http://127.0.0.1:${closedPort}/health`;
    const outcome = await runHttp({ url });
    expect(outcome).toMatchObject({ status: 'fail', observed: 'connection refused' });
    expect(outcome.message).toBe(`connection refused: GET ${url}`);
  });

  it('caps the body at 1 MB', async () => {
    const outcome = await runHttp({ url: `${base}/big`, body: 'END' });
    expect(outcome.status).toBe('fail');
    expect(outcome.details).toMatch(/→ 200 OK \(first 1 MB\)\n/);
  });

  it('an aborted request is an error', async () => {
    const outcome = await runHttp(
      { url: `${base}/slow?ms=500` },
      makeCheckContext({ signal: AbortSignal.timeout(50) }),
    );
    expect(outcome.status).toBe('error');
    expect(outcome.message).toMatch(/^aborted: GET /);
  });

  it('keeps the URL host in the Host header when the target forwards the connection', async () => {
    const { ctx, seen } = forwardingContext(Number(new URL(base).port));
    const outcome = await runHttp(
      { url: 'http://model.internal:8000/echo', json: { host: 'model.internal:8000' } },
      ctx,
    );
    expect(outcome.status).toBe('pass');
    expect(seen).toEqual(['model.internal:8000']);
  });
});

describe('http check over TLS', () => {
  it('verifies certificates by default: a self-signed one fails', async () => {
    const outcome = await runHttp({ url: `https://localhost:${tlsPort}/health` });
    expect(outcome.status).toBe('fail');
    expect(outcome.observed).toMatch(/^TLS certificate not trusted: self[- ]signed certificate/);
  });

  it('insecure: true accepts it', async () => {
    const outcome = await runHttp({
      url: `https://localhost:${tlsPort}/health`,
      insecure: true,
      body: 'Ready',
    });
    expect(outcome.status).toBe('pass');
  });

  it('ca_file trusts a CA from the work folder (curl --cacert); a missing one is an error', async () => {
    const ctx = makeCheckContext();
    writeFileSync(join(ctx.workDir, 'ca.pem'), readFileSync(join(certDir, 'cert.pem')));
    const outcome = await runHttp(
      { url: `https://localhost:${tlsPort}/health`, ca_file: 'ca.pem', body: 'Ready' },
      ctx,
    );
    expect(outcome.status, outcome.message).toBe('pass');
    const missing = await runHttp({ url: `https://localhost:${tlsPort}/health`, ca_file: 'nope.pem' }, ctx);
    expect(missing.status).toBe('error');
    expect(missing.message).toMatch(/cannot read the CA file .*nope\.pem/);
  });

  it("address connects elsewhere while Host, SNI and the certificate check stay the URL's (curl --resolve)", async () => {
    const ctx = makeCheckContext();
    writeFileSync(join(ctx.workDir, 'ca.pem'), readFileSync(join(certDir, 'cert.pem')));
    // The certificate names localhost: reached at 127.0.0.1 as https://localhost, it is trusted.
    const named = await runHttp(
      {
        url: `https://localhost:${tlsPort}/echo`,
        address: '127.0.0.1',
        ca_file: 'ca.pem',
        json: { '$.servername': 'localhost' },
      },
      ctx,
    );
    expect(named.status, named.message).toBe('pass');
    // As https://api.example.test it is not: the name is checked against the URL, not the address.
    const other = await runHttp(
      { url: `https://api.example.test:${tlsPort}/echo`, address: '127.0.0.1', ca_file: 'ca.pem' },
      ctx,
    );
    expect(other.status).toBe('fail');
    expect(other.observed).toMatch(/TLS certificate not trusted/);
    const insecure = await runHttp({
      url: `http://api.example.test:${Number(new URL(base).port)}/echo`,
      address: '127.0.0.1',
      json: { '$.host': `api.example.test:${new URL(base).port}` },
    });
    expect(insecure.status, insecure.message).toBe('pass');
  });

  it('sends the URL host as SNI and Host through a forward', async () => {
    const { ctx } = forwardingContext(tlsPort);
    const json = { host: 'gpu.example.test', servername: 'gpu.example.test' };
    const outcome = await runHttp({ url: 'https://gpu.example.test/echo', insecure: true, json }, ctx);
    expect(outcome.status).toBe('pass');
  });
});

describe('describeRequestError', () => {
  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED', 'connection refused'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND x', 'host not found (ENOTFOUND)'],
    ['ECONNRESET', 'socket hang up', 'connection reset'],
    ['EHOSTUNREACH', 'connect EHOSTUNREACH', 'connect EHOSTUNREACH (EHOSTUNREACH)'],
    [undefined, 'odd', 'odd'],
  ])('%s', (code, message, text) => {
    expect(describeRequestError(Object.assign(new Error(message), { code }))).toBe(text);
  });
});
