// What a target needs from the command line: SSH keys and host keys (--identity, --known-hosts,
// --accept-new-host-key), a way to ask for a passphrase or sudo password on a terminal, and a way to
// tell the engine's redaction about a secret learned mid-run.
import type { ResolvedValues } from '../engine/values.js';
import type { Lab } from '../spec/types.js';
import type { InventoryHost } from '../targets/inventory.js';
import type { TargetOptions } from '../targets/types.js';

export interface TargetFlags {
  identity?: string;
  knownHosts?: string;
  acceptNewHostKey?: boolean;
  /** The pod target's flags (k8s://). */
  image?: string;
  gpus?: number;
  nodeSelector?: string[];
  toleration?: string[];
}

export function targetOptions(
  flags: TargetFlags,
  prompts: { secret(question: string): Promise<string> } | undefined,
  resolved: Pick<ResolvedValues, 'secrets'>[],
): TargetOptions {
  return {
    identity: flags.identity,
    knownHosts: flags.knownHosts,
    acceptNewHostKey: flags.acceptNewHostKey,
    image: flags.image,
    gpus: flags.gpus,
    nodeSelector: flags.nodeSelector,
    tolerations: flags.toleration,
    askSecret: prompts?.secret,
    onSecret: (value) => {
      for (const r of resolved) if (!r.secrets.includes(value)) r.secrets.push(value);
    },
  };
}

export type PodOptions = Pick<TargetOptions, 'image' | 'gpus' | 'nodeSelector' | 'tolerations'>;

/**
 * The pod a k8s:// target makes for `lab`: the command line first, then the inventory host's `pod`,
 * then the lab (its `pod.image`, and as many GPUs as `requires.gpu` asks for). Node selectors and
 * tolerations add up, the flags' last (a flag's node-selector key wins over the inventory's).
 */
export function podOptionsFor(lab: Lab | undefined, flags: TargetFlags, host?: InventoryHost): PodOptions {
  return {
    image: flags.image ?? host?.pod?.image ?? lab?.pod?.image,
    gpus: flags.gpus ?? host?.pod?.gpus ?? lab?.requires.gpu?.count,
    nodeSelector: [...(host?.pod?.nodeSelector ?? []), ...(flags.nodeSelector ?? [])],
    tolerations: [...(host?.pod?.tolerations ?? []), ...(flags.toleration ?? [])],
  };
}
