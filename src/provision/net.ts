// What providers share while waiting: an abortable sleep, an SSH banner probe and the caller's
// public IP (the only address a new host lets SSH in from). Tests replace the last two.
import { connect } from 'node:net';
import { ProvisionError } from '../errors.js';

export class WaitAborted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Sleep, or throw WaitAborted as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new WaitAborted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new WaitAborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new WaitAborted();
}

/** The SSH port of launched hosts: 22 (AILAB_TEST_SSH_PORT points the CLI's tests at a local sshd). */
export function sshPort(): number {
  return Number(process.env.AILAB_TEST_SSH_PORT) || 22;
}

/** Does host:port send an SSH banner within 5 s? (sshd is up, not just the port open by a proxy.) */
export function probeSshBanner(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(5000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('SSH-')));
  });
}

/**
 * The caller's public IPv4 address: AILAB_PUBLIC_IP when set (behind a proxy or NAT that the lookup
 * gets wrong), else checkip.amazonaws.com.
 */
export async function lookupPublicIp(): Promise<string> {
  const fromEnv = process.env.AILAB_PUBLIC_IP?.trim();
  const ip =
    fromEnv ||
    (await fetch('https://checkip.amazonaws.com', { signal: AbortSignal.timeout(10_000) })
      .then((r) => r.text())
      .then((t) => t.trim())
      .catch((error: Error) => {
        throw new ProvisionError(
          `could not find this machine's public IP address (${error.message})`,
          'set AILAB_PUBLIC_IP to it: SSH to the new host is allowed from that address only',
        );
      }));
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip))
    throw new ProvisionError(
      `"${ip}" is not an IPv4 address`,
      'set AILAB_PUBLIC_IP to your public IPv4 address',
    );
  return ip;
}
