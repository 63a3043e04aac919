// Provider registry: a cloud name maps to a lazy loader, so the SDKs (300–760 ms to import) load
// only when a cloud is used. A test checks that these keys and the provider files agree.
import type { CloudName, Provider, ProviderOptions } from './types.js';

const loaders: Record<CloudName, (options: ProviderOptions) => Promise<Provider>> = {
  aws: async (options) => (await import('./aws.js')).createAwsProvider(options),
  gcp: async (options) => (await import('./gcp.js')).createGcpProvider(options),
};

export const cloudNames = Object.keys(loaders) as CloudName[];

export function isCloudName(name: string): name is CloudName {
  return Object.hasOwn(loaders, name);
}

/** The provider for a cloud, its SDK loaded now. */
export async function createProvider(cloud: CloudName, options: ProviderOptions = {}): Promise<Provider> {
  return loaders[cloud](options);
}
