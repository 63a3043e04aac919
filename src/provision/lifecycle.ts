// Launch → wait-ready, with the record saved after every created resource, and everything created
// terminated again when anything fails or Ctrl-C aborts the wait. Used by `ailab up` and the engine.
import { forgetHost, saveHost } from './state.js';
import type { HostRecord, LaunchSpec, Provider } from './types.js';

export interface ProvisionOptions {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** A ready host, or (after terminating whatever was created) the error that stopped it. */
export async function provisionHost(
  provider: Provider,
  spec: LaunchSpec,
  options: ProvisionOptions = {},
): Promise<HostRecord> {
  let last: HostRecord | undefined;
  const hooks = {
    signal: options.signal,
    log: options.log,
    record: async (host: HostRecord) => {
      last = host;
      await saveHost(host);
    },
  };
  try {
    const launched = await provider.launch(spec, hooks);
    return await provider.waitReady(launched, hooks);
  } catch (error) {
    if (last) {
      options.log?.(`launch stopped: removing what was created for ${last.name}`);
      try {
        await releaseHost(provider, last, options);
      } catch (cleanupError) {
        options.log?.(
          `could not remove ${last.name}: ${(cleanupError as Error).message}; run \`ailab down ${last.name}\` or \`ailab cleanup\``,
        );
      }
    }
    throw error;
  }
}

/** Terminate a host and what ailab made for it, then forget it. */
export async function releaseHost(
  provider: Provider,
  host: HostRecord,
  options: ProvisionOptions = {},
): Promise<void> {
  await provider.terminate(host, { log: options.log });
  await forgetHost(host.name);
}
