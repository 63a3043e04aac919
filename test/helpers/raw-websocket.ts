// Hand-made WebSocket server bytes, for tests that need a server to send the 101 answer and its first
// frames in ONE write (as a nearby Kubernetes API server can), which the `ws` server never does.
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** An unmasked server-to-client frame (payload under 64 KiB). */
export function frame(opcode: number, payload: Buffer): Buffer {
  if (payload.length < 126) return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
  const head = Buffer.from([0x80 | opcode, 126, 0, 0]);
  head.writeUInt16BE(payload.length, 2);
  return Buffer.concat([head, payload]);
}

/** A binary frame on a Kubernetes stream channel: the channel byte, then the data. */
export const channel = (n: number, data: Buffer | string) =>
  frame(0x2, Buffer.concat([Buffer.from([n]), Buffer.from(data)]));

/** A close frame with status 1000. */
export const closeFrame = () => frame(0x8, Buffer.from([0x03, 0xe8]));

/** The 101 answer to an upgrade request `head` (its text up to the blank line), agreeing on `protocol`. */
export function upgradeAnswer(head: string, protocol: string): Buffer {
  const key = /sec-websocket-key: *(.+)\r\n/i.exec(head)?.[1].trim() ?? '';
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  return Buffer.from(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${accept}`,
      `Sec-WebSocket-Protocol: ${protocol}`,
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
}
