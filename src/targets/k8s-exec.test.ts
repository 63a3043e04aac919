// runInPod against a raw WebSocket server that answers the upgrade and the whole exec conversation
// (stdout frame, channel-3 Status, close frame) in ONE socket write, as a fast command on a nearby
// API server can: the frames then reach the client in the same read as the 101 answer. A listener
// attached only after `open` lost them ("the exec stream to the pod closed with no exit status").
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { channel, closeFrame, upgradeAnswer } from '../../test/helpers/raw-websocket.js';
import { type PodExecHost, runInPod } from './k8s-exec.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Answers every upgrade with 101 plus `frames`, written together. */
async function startEagerServer(frames: Buffer[]): Promise<string> {
  server = createServer((socket) => {
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.end(Buffer.concat([upgradeAnswer(head, 'v5.channel.k8s.io'), ...frames]));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/exec`;
}

function hostFor(url: string): PodExecHost {
  return {
    open: (_command, _stdin, listen) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, ['v5.channel.k8s.io']);
        listen(ws);
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      }),
    killGroup: async () => {},
  };
}

describe('runInPod', () => {
  it('keeps the frames that arrive in the same read as the upgrade answer', async () => {
    const url = await startEagerServer([
      channel(1, 'bash\n'),
      channel(2, 'a warning\n'),
      channel(3, JSON.stringify({ metadata: {}, status: 'Success' })),
      closeFrame(),
    ]);
    const result = await runInPod(hostFor(url), ['sh', '-c', 'echo bash']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'bash\n', stderr: 'a warning\n' });
    expect(result.connectionLost).toBeUndefined();
  });

  it('reads the exit status from the ExitCode cause', async () => {
    const failure = {
      metadata: {},
      status: 'Failure',
      reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: exit code 7',
      details: { causes: [{ reason: 'ExitCode', message: '7' }] },
    };
    const url = await startEagerServer([channel(3, JSON.stringify(failure)), closeFrame()]);
    const result = await runInPod(hostFor(url), ['false']);
    expect(result.exitCode).toBe(7);
  });

  it('says the stream closed with no exit status when no Status came', async () => {
    const url = await startEagerServer([channel(1, 'partial'), closeFrame()]);
    const result = await runInPod(hostFor(url), ['true']);
    expect(result.exitCode).toBeNull();
    expect(result.connectionLost).toBe(true);
    expect(result.stdout).toBe('partial');
    expect(result.stderr).toMatch(/closed with no exit status/);
  });

  it('gives the refusal as the error when the socket never opens', async () => {
    const host: PodExecHost = {
      open: async () => {
        throw new Error('exec in pod labs/x refused: pods "x" is forbidden');
      },
      killGroup: async () => {},
    };
    const result = await runInPod(host, ['true']);
    expect(result.connectionLost).toBe(true);
    expect(result.stderr).toBe('exec in pod labs/x refused: pods "x" is forbidden');
  });
});
