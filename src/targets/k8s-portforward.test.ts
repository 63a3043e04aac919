// openPodForward against a raw WebSocket server that answers the upgrade and its first frames (the two
// port prefixes, then data or the kubelet's error text) in ONE socket write, as a nearby API server
// can: those frames reach the client in the same read as the 101 answer, so the message listener must
// be there before `open`, and data that comes before a local socket attaches must be kept.
import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { channel, closeFrame, upgradeAnswer } from '../../test/helpers/raw-websocket.js';
import { isPodLocalHost, openPodForward, type PodForwardHost } from './k8s-portforward.js';

const prefix = (port: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
};

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Answers every upgrade with 101 plus `frames(port)`, written together, then ends the connection. */
async function startEagerServer(
  frames: (port: number) => Buffer[],
): Promise<{ host: PodForwardHost; urls: string[] }> {
  const urls: string[] = [];
  server = createServer((socket) => {
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const path = /^GET (\S+)/.exec(head)?.[1] ?? '';
      urls.push(path);
      const port = Number(new URL(path, 'http://x').searchParams.get('ports'));
      socket.end(Buffer.concat([upgradeAnswer(head, 'v4.channel.k8s.io'), ...frames(port)]));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    urls,
    host: {
      url: new URL(`ws://127.0.0.1:${port}/api/v1/namespaces/labs/pods/ailab-x/portforward`),
      tls: {},
      headers: {},
      podName: 'ailab-x',
      label: 'pod labs/ailab-x',
      settleMs: 50,
    },
  };
}

/** Everything a connection to the endpoint reads until the far side ends it. */
function readAll(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.once('error', reject);
  });
}

describe('port-forward into a pod', () => {
  it('knows which hosts are the pod itself', () => {
    for (const host of [
      'localhost',
      'LOCALHOST.',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '0.0.0.0',
      'ailab-x',
    ])
      expect(isPodLocalHost(host, 'ailab-x'), host).toBe(true);
    for (const host of [
      '10.0.0.5',
      'example.com',
      'my-svc.default.svc',
      '128.0.0.1',
      'localhost.example.com',
    ])
      expect(isPodLocalHost(host, 'ailab-x'), host).toBe(false);
  });

  it('keeps data that came with the upgrade answer, strips the port prefixes, and ends with the stream', async () => {
    const { host, urls } = await startEagerServer((port) => [
      channel(0, prefix(port)),
      channel(1, prefix(port)),
      channel(0, 'hello '),
      channel(0, 'from the pod'),
    ]);
    const endpoint = await openPodForward(host, 'localhost', 8080);
    try {
      expect(urls[0]).toBe('/api/v1/namespaces/labs/pods/ailab-x/portforward?ports=8080');
      expect(endpoint.via).toBe('through port-forward to pod labs/ailab-x');
      expect(await readAll(endpoint.port)).toBe('hello from the pod');
      // A second connection gets a WebSocket of its own.
      expect(await readAll(endpoint.port)).toBe('hello from the pod');
      expect(urls).toHaveLength(2);
    } finally {
      await endpoint.close();
    }
  });

  it("a prefix may share its frame with the pod's first bytes", async () => {
    const { host } = await startEagerServer((port) => [
      channel(1, prefix(port)),
      channel(0, Buffer.concat([prefix(port), Buffer.from('same frame')])),
    ]);
    const endpoint = await openPodForward(host, '127.0.0.1', 5432);
    try {
      expect(await readAll(endpoint.port)).toBe('same frame');
    } finally {
      await endpoint.close();
    }
  });

  it("the kubelet's refused dial (error text on channel 1) rejects with code ECONNREFUSED", async () => {
    const refusedText = (port: number) =>
      `error forwarding port ${port} to pod f4cc9a90e201, uid : failed to execute portforward in network namespace "/var/run/netns/cni-f022d74c": failed to connect to localhost:${port} inside namespace "f4cc9a90e201", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6: address localhost: no suitable address found `;
    const { host } = await startEagerServer((port) => [
      channel(0, prefix(port)),
      channel(1, prefix(port)),
      channel(1, refusedText(port)),
      closeFrame(),
    ]);
    await expect(openPodForward(host, 'localhost', 8080)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
      message: 'connection refused (port 8080 in pod labs/ailab-x)',
    });
  });

  it('another error text rejects with that text', async () => {
    const { host } = await startEagerServer((port) => [
      channel(0, prefix(port)),
      channel(1, prefix(port)),
      channel(1, `error forwarding port ${port} to pod abc, uid : pod not found ("ailab-x_labs")`),
    ]);
    const failed = openPodForward(host, 'localhost', 8080);
    await expect(failed).rejects.toThrow(
      'error forwarding port 8080 to pod abc, uid : pod not found ("ailab-x_labs")',
    );
    await expect(failed).rejects.not.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a refused upgrade (RBAC, no such pod) says so', async () => {
    server = createServer((socket) => {
      socket.on('data', () =>
        socket.end(
          'HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\n\r\n{"kind":"Status","message":"pods \\"ailab-x\\" is forbidden: cannot create resource \\"pods/portforward\\""}',
        ),
      );
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await expect(
      openPodForward(
        {
          url: new URL(`ws://127.0.0.1:${port}/api/v1/namespaces/labs/pods/ailab-x/portforward`),
          tls: {},
          headers: {},
          podName: 'ailab-x',
          label: 'pod labs/ailab-x',
        },
        'localhost',
        80,
      ),
    ).rejects.toThrow(/port-forward to pod labs\/ailab-x refused: pods "ailab-x" is forbidden/);
  });
});
