// Pure builders for the Compute Engine requests a GCP launch makes, label encoding, and quota errors
// in plain words. No SDK import here.
import { ProvisionError } from '../errors.js';
import { idleStopStartupScript } from './idle-stop.js';
import { instanceInfo } from './prices.js';
import type { LaunchSpec } from './types.js';

/** Google's Deep Learning VM image family: Ubuntu 22.04 with the NVIDIA driver and CUDA installed. */
export const GPU_IMAGE =
  'projects/deeplearning-platform-release/global/images/family/common-cu128-ubuntu-2204-nvidia-570';
export const GCP_USER = 'ubuntu';

export const LABEL = {
  runId: 'ailab-run-id',
  lab: 'ailab-lab',
  owner: 'ailab-owner',
  expiresAt: 'ailab-expires-at',
} as const;

/** A GCP label value: lowercase letters, digits, `_` and `-`, at most 63. */
export function labelValue(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, 63);
}

/** Labels cannot hold `:`, so the expiry is in seconds since the epoch. */
export function gcpLabels(spec: LaunchSpec): Record<string, string> {
  return {
    [LABEL.runId]: spec.runId,
    [LABEL.lab]: labelValue(spec.lab),
    [LABEL.owner]: labelValue(spec.owner),
    [LABEL.expiresAt]: String(Math.floor(Date.parse(spec.expiresAt) / 1000)),
  };
}

export function instanceResource(spec: LaunchSpec, publicKey: string) {
  const zone = spec.zone!;
  const accelerator = instanceInfo('gcp', spec.instanceType)?.accelerator;
  const labels = gcpLabels(spec);
  return {
    name: spec.runId,
    machineType: `zones/${zone}/machineTypes/${spec.instanceType}`,
    labels,
    // The network tag the SSH firewall rule targets.
    tags: { items: [spec.runId] },
    disks: [
      {
        boot: true,
        autoDelete: true,
        initializeParams: {
          sourceImage: GPU_IMAGE,
          diskSizeGb: String(spec.diskGb),
          diskType: `zones/${zone}/diskTypes/pd-balanced`,
          labels,
        },
      },
    ],
    networkInterfaces: [
      {
        network: 'global/networks/default',
        accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }],
      },
    ],
    // G2 and A2 types come with their GPU; an N1 type needs it attached.
    ...(accelerator
      ? {
          guestAccelerators: [
            { acceleratorType: `zones/${zone}/acceleratorTypes/${accelerator}`, acceleratorCount: 1 },
          ],
        }
      : {}),
    scheduling: {
      // GPU VMs cannot live-migrate.
      onHostMaintenance: 'TERMINATE',
      automaticRestart: false,
      provisioningModel: spec.spot ? 'SPOT' : 'STANDARD',
      // The dead-man's switch, run by Google: the VM is deleted after max-hours whatever ailab does.
      maxRunDuration: { seconds: String(Math.round(spec.maxHours * 3600)) },
      instanceTerminationAction: 'DELETE',
    },
    metadata: {
      items: [
        { key: 'ssh-keys', value: `${GCP_USER}:${publicKey.trim()}` },
        { key: 'install-nvidia-driver', value: 'True' },
        // The idle stop: the guest agent runs this as root at every boot. A guest shutdown stops
        // the VM (the GPU stops billing; the boot disk stays until ailab down or ailab cleanup).
        ...(spec.idleStopMinutes
          ? [{ key: 'startup-script', value: idleStopStartupScript(spec.idleStopMinutes) }]
          : []),
      ],
    },
  };
}

export function firewallResource(spec: LaunchSpec, ip: string) {
  return {
    name: spec.runId,
    description: `ailab ${spec.lab}: SSH from one address, for ${spec.runId}; owner ${spec.owner}; expires ${spec.expiresAt}`,
    network: 'global/networks/default',
    direction: 'INGRESS',
    sourceRanges: [`${ip}/32`],
    allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
    targetTags: [spec.runId],
  };
}

interface OperationError {
  code?: string | null;
  message?: string | null;
}

/** A quota or capacity failure (thrown, or in a finished operation) as a ProvisionError saying what to do. */
export function explainGcpError(error: unknown, spec: LaunchSpec): unknown {
  const text =
    (error as { errors?: OperationError[] }).errors?.map((e) => `${e.code}: ${e.message}`).join('; ') ??
    (error as Error)?.message ??
    String(error);
  if (/QUOTA_EXCEEDED|Quota '[A-Z0-9_]+' exceeded/i.test(text)) {
    const metric = /Quota '([A-Z0-9_]+)'/.exec(text)?.[1] ?? 'GPU';
    return new ProvisionError(
      `your GCP project's ${metric} quota is too low for ${spec.instanceType} in ${spec.region}`,
      `request more in IAM & Admin → Quotas: ${metric} in ${spec.region}, and "GPUs (all regions)" (GPUS_ALL_REGIONS) ≥ 1`,
    );
  }
  if (/ZONE_RESOURCE_POOL_EXHAUSTED|does not have enough resources/i.test(text))
    return new ProvisionError(
      `${spec.zone} has no ${spec.instanceType} capacity free right now`,
      'try another --zone (us-central1-a/b/c, us-east4-a …) or --gpu, or try again later',
    );
  if (/Could not load the default credentials/i.test(text))
    return new ProvisionError(
      'no Google Cloud credentials found',
      'run `gcloud auth application-default login` (ailab uses application default credentials)',
    );
  if (error instanceof Error) return error;
  return new ProvisionError(`GCP: ${text}`);
}
