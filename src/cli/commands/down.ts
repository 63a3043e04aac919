// `ailab down <host|--all>`: terminate hosts ailab started (or stop them with --stop; a stopped host
// still bills its disk) and delete what ailab made for them.
import { ExitCode, UsageError } from '../../errors.js';
import { createProvider } from '../../provision/index.js';
import { releaseHost } from '../../provision/lifecycle.js';
import { findHost, readHosts, saveHost } from '../../provision/state.js';
import type { HostRecord } from '../../provision/types.js';

export async function downCommand(
  ref: string | undefined,
  opts: { all?: boolean; stop?: boolean },
): Promise<number> {
  let hosts: HostRecord[];
  if (opts.all) hosts = await readHosts();
  else if (ref) {
    const host = await findHost(ref);
    if (!host)
      throw new UsageError(
        `no host "${ref}" in ailab's state`,
        'ailab hosts lists them; ailab cleanup finds leftovers by tag',
      );
    hosts = [host];
  } else throw new UsageError('name a host, or pass --all', 'ailab hosts lists them');
  if (hosts.length === 0) {
    process.stderr.write('no hosts to remove\n');
    return ExitCode.ok;
  }
  let failed = 0;
  for (const host of hosts) {
    const provider = await createProvider(host.cloud);
    const log = (line: string) => process.stderr.write(`  ${line}\n`);
    try {
      if (opts.stop) {
        await provider.stop(host);
        await saveHost({ ...host, status: 'stopped' });
        process.stderr.write(
          `stopped ${host.name} (its disk still bills; ailab down ${host.name} removes it)\n`,
        );
      } else {
        await releaseHost(provider, host, { log });
        process.stderr.write(`terminated ${host.name}\n`);
      }
    } catch (error) {
      failed++;
      process.stderr.write(`could not remove ${host.name}: ${(error as Error).message}\n`);
    }
  }
  return failed ? ExitCode.failed : ExitCode.ok;
}
