// The hosts ailab started, in $XDG_STATE_HOME/ailab/hosts.json (AILAB_STATE_DIR overrides the
// folder). Written atomically after every resource a launch creates, before the launch goes on, so a
// crash at any point leaves a record that `ailab cleanup` and `ailab down` can act on.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirs } from '../util/make-dirs.js';
import { stateDir } from '../util/paths.js';
import type { HostRecord } from './types.js';

interface StateFile {
  version: 1;
  hosts: HostRecord[];
}

export function hostsFile(): string {
  return join(stateDir(), 'hosts.json');
}

/** Where ailab keeps private keys it creates for hosts. */
export function keysDir(): string {
  return join(stateDir(), 'keys');
}

export async function readHosts(): Promise<HostRecord[]> {
  let text: string;
  try {
    text = await readFile(hostsFile(), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = JSON.parse(text) as StateFile;
  return Array.isArray(parsed.hosts) ? parsed.hosts : [];
}

async function writeHosts(hosts: HostRecord[]): Promise<void> {
  makeDirs(stateDir());
  const { default: writeFileAtomic } = await import('write-file-atomic');
  const body: StateFile = { version: 1, hosts };
  await writeFileAtomic(hostsFile(), `${JSON.stringify(body, null, 2)}\n`, { encoding: 'utf8', mode: 0o600 });
}

// One writer at a time within this process (a launch records while a signal handler may remove).
let queue: Promise<unknown> = Promise.resolve();
function serialize<T>(work: () => Promise<T>): Promise<T> {
  const next = queue.then(work, work);
  queue = next.catch(() => undefined);
  return next;
}

/** Add or replace the record with this name. */
export function saveHost(host: HostRecord): Promise<void> {
  return serialize(async () => {
    const hosts = (await readHosts()).filter((h) => h.name !== host.name);
    await writeHosts([...hosts, host]);
  });
}

export function forgetHost(name: string): Promise<void> {
  return serialize(async () => {
    const hosts = await readHosts();
    if (hosts.some((h) => h.name === name)) await writeHosts(hosts.filter((h) => h.name !== name));
  });
}

/** A record by name, instance id or address. */
export async function findHost(ref: string): Promise<HostRecord | undefined> {
  const hosts = await readHosts();
  return hosts.find((h) => h.name === ref || h.instanceId === ref || h.address === ref);
}

/** The process that was launching a `launching` record is gone: ailab crashed or was killed. */
export function isAbandoned(host: HostRecord): boolean {
  if (host.status !== 'launching' || host.pid === undefined) return false;
  if (host.pid === process.pid) return false;
  try {
    process.kill(host.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The SSH target URI of a host. */
export function sshTarget(host: HostRecord): string {
  return `ssh://${host.user}@${host.address ?? '(no address yet)'}`;
}
