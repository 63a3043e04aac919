// Probes into a pod (`http` and `port` checks on a k8s:// target) go through the API server's
// portforward subresource over WebSocket, as `kubectl port-forward` and @kubernetes/client-node's
// PortForward do: `GET .../pods/NAME/portforward?ports=PORT` with subprotocol v4.channel.k8s.io, one
// WebSocket per TCP connection, each binary message led by a channel byte (0 data, 1 error); the
// server's first message on each channel starts with the port (2 bytes, little-endian), stripped here.
// The kubelet writes both port prefixes, then dials localhost:PORT inside the pod's network namespace,
// then writes an error text on channel 1 (and closes) if that fails — so the first WebSocket is opened
// before the loopback listener here and given a short settle time after its prefixes: a refusal is
// reported as refused (code ECONNREFUSED), as ssh-forward.ts does, never as a listener that accepts.
// A port-forward reaches the pod's own ports only, so other hosts are refused with a hint.
import type { RequestOptions } from 'node:https';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { TargetError } from '../errors.js';
import { refusalMessage } from './k8s-exec.js';
import type { Endpoint } from './types.js';

export const PORTFORWARD_PROTOCOL = 'v4.channel.k8s.io';
/** How long the first stream waits after the port prefixes for the kubelet's dial error. */
export const DEFAULT_SETTLE_MS = 250;
const CLOSE_WAIT_MS = 1000;
const DATA = 0;
const ERROR = 1;

/** What a port-forward needs from the pod target. */
export interface PodForwardHost {
  /** The pod's portforward URL (ws: or wss:), without `?ports`. */
  url: URL;
  /** TLS options of the kubeconfig's credentials. */
  tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>;
  headers: Record<string, string>;
  podName: string;
  /** `pod NAMESPACE/NAME`, for messages. */
  label: string;
  /** Wait after the first stream's port prefixes for a dial error (default 250 ms). */
  settleMs?: number;
}

/** True for the hosts a port-forward reaches: the pod's own loopback (and the pod's name). */
export function isPodLocalHost(host: string, podName?: string): boolean {
  const h = host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '::1' ||
    h === '0:0:0:0:0:0:0:1' ||
    h === '0.0.0.0' ||
    h === '::' ||
    /^(?:::ffff:)?127(?:\.\d{1,3}){3}$/.test(h) ||
    (podName !== undefined && h === podName.toLowerCase())
  );
}

/** One TCP connection's WebSocket: data that arrives before a local socket attaches is kept. */
interface PodStream {
  attach(socket: Socket): void;
  close(): Promise<void>;
}

function asBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data as ArrayBuffer);
}

/**
 * Open a portforward WebSocket to `port`. With `settleMs`, resolve only once the kubelet has had time
 * to report a failed dial (a refusal rejects with code ECONNREFUSED); without it, resolve on open.
 */
async function openStream(host: PodForwardHost, port: number, settleMs?: number): Promise<PodStream> {
  const { default: WS } = await import('ws');
  const url = new URL(host.url);
  url.searchParams.set('ports', String(port));
  const ws = new WS(url, [PORTFORWARD_PROTOCOL], {
    ...host.tls,
    headers: host.headers,
    handshakeTimeout: 30_000,
  });
  const prefixLeft = [2, 2];
  const pending: Buffer[] = [];
  let errorText = '';
  let socket: Socket | undefined;
  let closed = false;
  let ready: (() => void) | undefined;
  let fail: ((error: Error) => void) | undefined;
  let settleTimer: NodeJS.Timeout | undefined;

  const failure = (text: string): Error => {
    const refused = /refused/i.test(text);
    const error = new Error(
      refused ? `connection refused (port ${port} in ${host.label})` : text,
    ) as NodeJS.ErrnoException;
    if (refused) error.code = 'ECONNREFUSED';
    return error;
  };
  const onPrefixes = () => {
    if (!ready || settleMs === undefined || prefixLeft[DATA] > 0 || prefixLeft[ERROR] > 0) return;
    settleTimer ??= setTimeout(() => ready?.(), settleMs);
  };

  // Listen before `open`: the prefixes (and an error) can come in the same read as the upgrade answer.
  ws.on('message', (raw: WebSocket.RawData) => {
    const data = asBuffer(raw);
    if (data.length === 0) return;
    const channel = data[0];
    if (channel !== DATA && channel !== ERROR) return;
    let payload = data.subarray(1);
    if (prefixLeft[channel] > 0) {
      const n = Math.min(prefixLeft[channel], payload.length);
      payload = payload.subarray(n);
      prefixLeft[channel] -= n;
      onPrefixes();
    }
    if (payload.length === 0) return;
    if (channel === DATA) {
      if (socket) socket.write(payload);
      else pending.push(payload);
      // Bytes from the pod: the kubelet's dial succeeded.
      ready?.();
      return;
    }
    errorText += payload.toString('utf8');
    if (fail) {
      fail(failure(errorText.trim()));
      ws.terminate();
    } else if (socket) socket.resetAndDestroy();
  });
  ws.on('error', () => socket?.destroy());
  ws.once('close', () => {
    closed = true;
    if (!socket) return;
    if (errorText) socket.resetAndDestroy();
    else socket.end();
  });

  await new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(settleTimer);
      ready = undefined;
      fail = undefined;
      if (error) reject(error);
      else resolve();
    };
    ready = () => finish();
    fail = (error) => finish(error);
    ws.once('open', () => {
      if (settleMs === undefined) ready?.();
      else onPrefixes();
    });
    ws.once('unexpected-response', (_req, res) => {
      refusalMessage(res).then((message) => {
        fail?.(new Error(`port-forward to ${host.label} refused: ${message}`));
        ws.terminate();
      });
    });
    ws.once('error', (error) => fail?.(new Error(`port-forward to ${host.label}: ${error.message}`)));
    ws.once('close', () => {
      if (errorText) fail?.(failure(errorText.trim()));
      else if (prefixLeft[DATA] > 0 || prefixLeft[ERROR] > 0)
        fail?.(new Error(`port-forward to port ${port} in ${host.label} closed before it started`));
      // Closed after the prefixes without an error: the dial worked and the service hung up.
      else ready?.();
    });
  });

  return {
    attach(local: Socket) {
      socket = local;
      for (const chunk of pending.splice(0)) local.write(chunk);
      if (errorText || closed || local.destroyed) {
        if (errorText) local.resetAndDestroy();
        else local.end();
        if (!closed) ws.close();
        return;
      }
      local.on('data', (chunk: Buffer) => {
        if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([DATA]), chunk]));
      });
      local.once('close', () => {
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
      });
    },
    close: () => {
      if (closed || ws.readyState === ws.CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => ws.terminate(), CLOSE_WAIT_MS);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.close();
      });
    },
  };
}

/** A loopback endpoint here that reaches port `port` of the pod through port-forward. */
export async function openPodForward(
  host: PodForwardHost,
  hostname: string,
  port: number,
): Promise<Endpoint> {
  if (!isPodLocalHost(hostname, host.podName)) {
    throw new TargetError(
      `cannot probe ${hostname}:${port} through port-forward to ${host.label}: a port-forward reaches only the pod's own ports (localhost, 127.0.0.1, ::1)`,
      `probe it from inside the pod with a command check (e.g. run: curl -fsS http://${hostname}:${port}/), or use a kubernetes check for a cluster service`,
    );
  }
  const { createServer } = await import('node:net');
  let spare: PodStream | undefined = await openStream(host, port, host.settleMs ?? DEFAULT_SETTLE_MS);
  const streams = new Set<PodStream>([spare]);
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const stream = spare ? Promise.resolve(spare) : openStream(host, port);
    spare = undefined;
    stream.then(
      (s) => {
        streams.add(s);
        socket.once('close', () => streams.delete(s));
        s.attach(socket);
      },
      () => socket.resetAndDestroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  }).catch(async (error) => {
    await spare?.close();
    throw error;
  });
  const address = server.address();
  const localPort = typeof address === 'object' && address ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port: localPort,
    via: `through port-forward to ${host.label}`,
    close: () => {
      closing ??= (async () => {
        spare = undefined;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await Promise.all([...streams].map((s) => s.close()));
        streams.clear();
        await stopped;
      })();
      return closing;
    },
  };
}
