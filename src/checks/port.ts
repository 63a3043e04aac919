// A TCP port on the target: open (something accepts a connection) or closed.
import { z } from 'zod';
import type { Endpoint } from '../targets/types.js';
import { type CheckOutcome, defineCheck, placeholderSchema } from './types.js';

const CONNECT_TIMEOUT_MS = 2000;

const schema = z
  .strictObject({
    port: z.union([z.number().int().min(1).max(65535), placeholderSchema]).describe('The TCP port number'),
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('The host as seen from the target (default 127.0.0.1: the target itself)'),
    state: z
      .enum(['open', 'closed'])
      .default('open')
      .describe('open (default): something accepts connections; closed: nothing does'),
  })
  .describe('Check that a TCP port is open (accepts connections) or closed');

/** `open`, or `closed (ECONNREFUSED)` / `closed (timed out)`: what a TCP connect to the endpoint found. */
export async function probeTcp(
  host: string,
  port: number,
  signal: AbortSignal,
  timeoutMs = CONNECT_TIMEOUT_MS,
) {
  const { connect } = await import('node:net');
  return new Promise<{ state: 'open' | 'closed' | 'aborted'; observed: string }>((resolve) => {
    const socket = connect({ host, port });
    const finish = (state: 'open' | 'closed' | 'aborted', observed: string) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ state, observed });
    };
    const onAbort = () => finish('aborted', 'aborted');
    const timer = setTimeout(() => finish('closed', `closed (no answer in ${timeoutMs}ms)`), timeoutMs);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish('open', 'open'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish('closed', `closed (${error.code ?? error.message})`),
    );
  });
}

export const check = defineCheck({
  type: 'port',
  summary: 'Check that a TCP port is open or closed',
  schema,
  async run(ctx, options): Promise<CheckOutcome> {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return {
        status: 'error',
        message: `"${options.port}" is not a port number`,
        expected: '1..65535',
        observed: String(options.port),
      };
    }
    const where = `port ${port} on ${options.host}`;
    let endpoint: Endpoint;
    try {
      endpoint = await ctx.target.connectTo(options.host, port);
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      // A forwarded channel the target refuses is a closed port, not a broken probe.
      if (err.code === 'ECONNREFUSED' || /refused/i.test(err.message)) {
        return judge(where, options.state, `closed (${err.code ?? 'connection refused'})`, '');
      }
      return {
        status: 'error',
        message: `could not reach ${where}: ${err.message}`,
        expected: options.state,
      };
    }
    try {
      const via = endpoint.via === 'this machine' ? '' : ` (via ${endpoint.via})`;
      const probe = await probeTcp(endpoint.host, endpoint.port, ctx.signal);
      if (probe.state === 'aborted')
        return { status: 'error', message: `aborted while probing ${where}${via}` };
      return judge(where, options.state, probe.observed, via);
    } finally {
      await endpoint.close();
    }
  },
});

function judge(where: string, state: 'open' | 'closed', observed: string, via: string): CheckOutcome {
  const ok = observed.startsWith(state);
  const message = ok ? `${where} is ${observed}${via}` : `${where} is ${observed}, expected ${state}${via}`;
  return {
    status: ok ? 'pass' : 'fail',
    message,
    expected: state,
    observed,
    assertions: [{ name: where, ok, expected: state, actual: observed }],
  };
}
