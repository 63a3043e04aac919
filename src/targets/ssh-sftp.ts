// File operations of the SSH target over one SFTP session per connection: no process is started on the
// host for a read, a write or a stat.
import type { SFTPWrapper } from 'ssh2';
import type { FileStat } from './types.js';

const NO_SUCH_FILE = 2;
const EOF = 1;
const READ_CHUNK = 32 * 1024;

/** True for SFTP's "no such file" (a missing parent folder on write). */
export function isNoSuchFile(error: unknown): boolean {
  return (error as { code?: unknown }).code === NO_SUCH_FILE;
}

export function sftpWrite(
  sftp: SFTPWrapper,
  path: string,
  data: string | Buffer,
  mode?: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.writeFile(path, data, mode === undefined ? {} : { mode }, (err) => {
      if (err) return reject(err);
      if (mode === undefined) return resolve();
      // The server applies its umask at create time, and an existing file keeps its mode: set it.
      sftp.chmod(path, mode, (e) => (e ? reject(e) : resolve()));
    });
  });
}

export async function sftpRead(sftp: SFTPWrapper, path: string, maxBytes?: number): Promise<Buffer> {
  if (maxBytes === undefined) {
    return new Promise((resolve, reject) =>
      sftp.readFile(path, (err, data) => (err ? reject(withCode(err, path)) : resolve(data))),
    );
  }
  const handle = await new Promise<Buffer>((resolve, reject) =>
    sftp.open(path, 'r', (err, h) => (err ? reject(withCode(err, path)) : resolve(h))),
  );
  try {
    const buffer = Buffer.alloc(maxBytes);
    let filled = 0;
    while (filled < maxBytes) {
      const n = await new Promise<number>((resolve, reject) =>
        sftp.read(handle, buffer, filled, Math.min(READ_CHUNK, maxBytes - filled), filled, (err, bytes) => {
          if (err && (err as { code?: unknown }).code === EOF) return resolve(0);
          if (err) return reject(err);
          resolve(bytes);
        }),
      );
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  } finally {
    await new Promise<void>((resolve) => sftp.close(handle, () => resolve()));
  }
}

export function sftpStat(sftp: SFTPWrapper, path: string): Promise<FileStat> {
  return new Promise((resolve) =>
    sftp.stat(path, (err, s) => {
      if (err) return resolve({ exists: false, isFile: false, isDirectory: false, mode: 0, size: 0 });
      resolve({
        exists: true,
        isFile: s.isFile(),
        isDirectory: s.isDirectory(),
        mode: s.mode & 0o7777,
        size: s.size,
      });
    }),
  );
}

/** An ENOENT-like error for a missing file, as the local target throws. */
function withCode(err: Error, path: string): Error {
  if (!isNoSuchFile(err)) return err;
  const error = new Error(`ENOENT: no such file on the SSH host: ${path}`) as NodeJS.ErrnoException;
  error.code = 'ENOENT';
  return error;
}
