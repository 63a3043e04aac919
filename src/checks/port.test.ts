import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCheckContext, removeCheckContexts } from '../../test/helpers/check-context.js';
import type { Endpoint, Target } from '../targets/types.js';
import { check, probeTcp } from './port.js';

let server: Server;
let openPort: number;
let closedPort: number;

const listen = (s: Server) =>
  new Promise<number>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)),
  );

beforeAll(async () => {
  server = createServer((socket) => socket.end());
  openPort = await listen(server);
  // A port that was just free: listen, note it, close.
  const spare = createServer();
  closedPort = await listen(spare);
  await new Promise((resolve) => spare.close(resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  removeCheckContexts();
});

const runPort = (options: unknown, ctx = makeCheckContext()) => check.run(ctx, check.schema.parse(options));

describe('port check', () => {
  it('open port passes (state open is the default)', async () => {
    const outcome = await runPort({ port: openPort });
    expect(outcome).toMatchObject({
      status: 'pass',
      observed: 'open',
      message: `port ${openPort} on 127.0.0.1 is open`,
    });
  });

  it('closed port fails when open is expected', async () => {
    const outcome = await runPort({ port: closedPort });
    expect(outcome.status).toBe('fail');
    expect(outcome.observed).toBe('closed (ECONNREFUSED)');
    expect(outcome.message).toBe(`port ${closedPort} on 127.0.0.1 is closed (ECONNREFUSED), expected open`);
  });

  it('state: closed', async () => {
    expect((await runPort({ port: closedPort, state: 'closed' })).status).toBe('pass');
    const outcome = await runPort({ port: openPort, host: '127.0.0.1', state: 'closed' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(`port ${openPort} on 127.0.0.1 is open, expected closed`);
  });

  it('probes the endpoint the target gives, names its route, and closes it', async () => {
    const base = makeCheckContext();
    let closed = false;
    const target: Target = Object.create(base.target);
    target.connectTo = async (host, port): Promise<Endpoint> => {
      expect([host, port]).toEqual(['10.0.0.5', 8000]);
      return {
        host: '127.0.0.1',
        port: openPort,
        via: 'SSH to gpu-box',
        close: async () => {
          closed = true;
        },
      };
    };
    const outcome = await runPort({ port: 8000, host: '10.0.0.5' }, { ...base, target });
    expect(outcome.message).toBe('port 8000 on 10.0.0.5 is open (via SSH to gpu-box)');
    expect(closed).toBe(true);
  });

  it('a connectTo that is refused is a closed port; another failure is an error', async () => {
    const base = makeCheckContext();
    const target: Target = Object.create(base.target);
    target.connectTo = async () => {
      throw Object.assign(new Error('Connection refused'), { code: 'ECONNREFUSED' });
    };
    expect((await runPort({ port: 1 }, { ...base, target })).observed).toBe('closed (ECONNREFUSED)');
    target.connectTo = async () => {
      throw new Error('SSH connection lost');
    };
    const outcome = await runPort({ port: 1 }, { ...base, target });
    expect(outcome).toMatchObject({
      status: 'error',
      message: 'could not reach port 1 on 127.0.0.1: SSH connection lost',
    });
  });

  it('an aborted probe is an error', async () => {
    const outcome = await runPort({ port: openPort }, makeCheckContext({ signal: AbortSignal.abort() }));
    expect(outcome.status).toBe('error');
    expect(outcome.message).toMatch(/^aborted/);
  });

  it('rejects ports out of range', () => {
    expect(check.schema.safeParse({ port: 0 }).success).toBe(false);
    expect(check.schema.safeParse({ port: 65536 }).success).toBe(false);
    expect(check.schema.safeParse({ port: 80, hots: 'x' }).success).toBe(false);
  });
});

describe('probeTcp', () => {
  it('reports a silent host as closed after the timeout', async () => {
    // 192.0.2.0/24 is TEST-NET-1: nothing answers, so the connect hangs or fails fast without a route.
    const result = await probeTcp('192.0.2.1', 9, new AbortController().signal, 100);
    expect(result.state).toBe('closed');
    expect(result.observed).toMatch(/^closed \(/);
  });
});
