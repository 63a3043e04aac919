// Target registry: a URI names where a lab runs. Implementations load only when used.
import { UsageError } from '../errors.js';
import type { Target, TargetOptions } from './types.js';

const loaders: Record<string, (uri: string, options: TargetOptions) => Promise<Target>> = {
  local: async () => new (await import('./local.js')).LocalTarget(),
  ssh: async (uri, options) => (await import('./ssh.js')).createSshTarget(uri, options),
  k8s: async (uri, options) => (await import('./k8s.js')).createK8sTarget(uri, options),
};

export const targetSchemes = Object.keys(loaders);

/** The target a URI names, ready to use (an SSH target is connected, so an unreachable host fails here). */
export async function createTarget(uri: string, options: TargetOptions = {}): Promise<Target> {
  const scheme = uri === 'local' ? 'local' : /^([a-z0-9+]+):\/\//i.exec(uri)?.[1]?.toLowerCase();
  const load = scheme ? loaders[scheme] : undefined;
  if (!load) {
    throw new UsageError(
      `unsupported target "${uri}" (--target)`,
      `targets: local, ssh://user@host[:port], k8s://CONTEXT/NAMESPACE`,
    );
  }
  return load(uri, options);
}
