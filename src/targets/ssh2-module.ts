// ssh2 is CommonJS: Node's ESM loader finds only some of its exports by name (Client, not utils), so
// take them from the default export. Loaded only when an SSH target is used.
import type * as Ssh2 from 'ssh2';

export async function loadSsh2(): Promise<typeof Ssh2> {
  const mod = (await import('ssh2')) as typeof Ssh2 & { default?: typeof Ssh2 };
  return mod.default ?? mod;
}
