// Probes of an SSH host's ports go through the connection (ssh2 forwardOut, a direct-tcpip channel), so
// nothing needs to be installed or opened on the host: a loopback listener here pipes each connection
// to host:port as the SSH host sees it. The first channel is opened before the listener, so a refused
// port is reported as refused (the listener itself would always accept).
import type { Socket } from 'node:net';
import type { Client, ClientChannel } from 'ssh2';
import type { Endpoint } from './types.js';

/** Open a direct-tcpip channel to host:port from the SSH host; a refusal carries code ECONNREFUSED. */
export function forwardOut(client: Client, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
      if (!err) return resolve(channel);
      const text = err.message.replace(/^\(SSH\) Channel open failure: /, '');
      const error = new Error(
        /refused/i.test(text)
          ? `connection refused (${host}:${port} as seen from the SSH host)`
          : /prohibited|open failed/i.test(text)
            ? `the SSH host does not forward TCP (${text}); its sshd_config may have AllowTcpForwarding no`
            : text,
      ) as NodeJS.ErrnoException;
      if (/refused/i.test(text)) error.code = 'ECONNREFUSED';
      reject(error);
    });
  });
}

/** A loopback endpoint here that reaches host:port through the SSH connection. */
export async function openForward(
  client: Client,
  host: string,
  port: number,
  via: string,
): Promise<Endpoint> {
  const { createServer } = await import('node:net');
  let spare: ClientChannel | undefined = await forwardOut(client, host, port);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const channel = spare ? Promise.resolve(spare) : forwardOut(client, host, port);
    spare = undefined;
    channel.then(
      (ch) => {
        ch.on('error', () => socket.destroy());
        ch.once('close', () => socket.destroy());
        socket.once('close', () => ch.close());
        socket.pipe(ch).pipe(socket);
      },
      () => socket.resetAndDestroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const localPort = typeof address === 'object' && address ? address.port : 0;
  return {
    host: '127.0.0.1',
    port: localPort,
    via,
    close: async () => {
      spare?.close();
      spare = undefined;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
