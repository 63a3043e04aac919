// Target registry: a URI names where a lab runs. Implementations load only when used.
import { UsageError } from '../errors.js';
import type { Target } from './types.js';

const loaders: Record<string, (uri: string) => Promise<Target>> = {
  local: async () => new (await import('./local.js')).LocalTarget(),
};

export const targetSchemes = Object.keys(loaders);

export async function createTarget(uri: string): Promise<Target> {
  const scheme = uri === 'local' ? 'local' : /^([a-z0-9+]+):\/\//i.exec(uri)?.[1]?.toLowerCase();
  const load = scheme ? loaders[scheme] : undefined;
  if (!load) {
    throw new UsageError(
      `unsupported target "${uri}" (--target)`,
      `targets this version can use: ${targetSchemes.join(', ')}; ssh:// and k8s:// are coming`,
    );
  }
  return load(uri);
}
