// Pure builders for the EC2 requests a launch makes, and the translation of EC2's quota and capacity
// errors into what a learner should do. No SDK import here: inputs are plain objects.
import { ProvisionError } from '../errors.js';
import { idleStopInstaller, idleStopStarter } from './idle-stop.js';
import type { LaunchSpec } from './types.js';

/** AWS-published SSM parameter holding the newest Deep Learning Base OSS NVIDIA driver GPU AMI (Ubuntu 22.04). */
export const DLAMI_SSM_PARAMETER =
  '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id';
/** The same AMI by name, for DescribeImages when the parameter cannot be read (no ssm:GetParameter). */
export const DLAMI_NAME_PATTERN = 'Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04)*';
export const DLAMI_USER = 'ubuntu';

export const TAG = {
  runId: 'ailab:run-id',
  lab: 'ailab:lab',
  owner: 'ailab:owner',
  expiresAt: 'ailab:expires-at',
} as const;

export function awsTags(spec: LaunchSpec): { Key: string; Value: string }[] {
  return [
    { Key: 'Name', Value: spec.runId },
    { Key: TAG.runId, Value: spec.runId },
    { Key: TAG.lab, Value: spec.lab },
    { Key: TAG.owner, Value: spec.owner },
    { Key: TAG.expiresAt, Value: spec.expiresAt },
  ];
}

function tagSpec<T extends string>(resourceType: T, spec: LaunchSpec) {
  return { ResourceType: resourceType, Tags: awsTags(spec) };
}

/** Minutes until the in-guest shutdown: the whole budget, at least 10. */
export function shutdownMinutes(maxHours: number): number {
  return Math.max(10, Math.round(maxHours * 60));
}

/** cloud-init runs the scripts here at every boot after the first (user data runs at the first only). */
export const PER_BOOT_GUARD = '/var/lib/cloud/scripts/per-boot/ailab-guard.sh';

/**
 * User data: the dead-man's switch inside the guest. With InstanceInitiatedShutdownBehavior=terminate
 * a `shutdown -h` terminates the instance, so it ends even if ailab and the laptop are gone. A reboot
 * (after a driver install, say) drops a scheduled shutdown and any watcher, so a per-boot script arms
 * them again: the shutdown at the original expiry, not max-hours from the reboot.
 */
export function deadMansSwitch(spec: Pick<LaunchSpec, 'maxHours' | 'expiresAt' | 'idleStopMinutes'>): string {
  const expires = Math.floor(Date.parse(spec.expiresAt) / 1000);
  const reason = '"ailab: max-hours reached, terminating"';
  return `#!/bin/bash
# ailab dead-man's switch: this host terminates itself after ${spec.maxHours} h, whatever happens to ailab.
shutdown -h +${shutdownMinutes(spec.maxHours)} ${reason}
mkdir -p ${PER_BOOT_GUARD.replace(/\/[^/]+$/, '')}
cat > ${PER_BOOT_GUARD} <<'AILAB_GUARD'
#!/bin/bash
# ailab: after a reboot, terminate at the launch's expiry (${spec.expiresAt}) all the same.
left=$(( (${expires} - $(date +%s)) / 60 ))
if [ "$left" -lt 1 ]; then shutdown -h now ${reason}; else shutdown -h "+$left" ${reason}; fi
${spec.idleStopMinutes ? idleStopStarter(spec.idleStopMinutes) : ''}AILAB_GUARD
chmod 0755 ${PER_BOOT_GUARD}
`;
}

/** AWS takes at most 16 KB of user data, counted before base64. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/**
 * The instance's user data (run once as root by cloud-init at first boot): the dead-man's switch,
 * and with an idle stop the watcher (payloads/idle-stop.sh), whose `shutdown -h now` also
 * terminates the instance.
 */
export function userData(spec: Pick<LaunchSpec, 'maxHours' | 'expiresAt' | 'idleStopMinutes'>): string {
  const script = `${deadMansSwitch(spec)}${spec.idleStopMinutes ? idleStopInstaller(spec.idleStopMinutes) : ''}`;
  const bytes = Buffer.byteLength(script);
  if (bytes > USER_DATA_LIMIT_BYTES)
    throw new Error(`the user data is ${bytes} bytes; AWS takes at most ${USER_DATA_LIMIT_BYTES}`);
  return script;
}

export function describeImagesByNameInput() {
  return {
    Owners: ['amazon'],
    Filters: [
      { Name: 'name', Values: [DLAMI_NAME_PATTERN] },
      { Name: 'architecture', Values: ['x86_64'] },
      { Name: 'state', Values: ['available'] },
    ],
  };
}

export function createKeyPairInput(spec: LaunchSpec) {
  return {
    KeyName: spec.runId,
    KeyType: 'ed25519' as const,
    KeyFormat: 'pem' as const,
    TagSpecifications: [tagSpec('key-pair', spec)],
  };
}

export function importKeyPairInput(spec: LaunchSpec, publicKey: string) {
  return {
    KeyName: spec.runId,
    PublicKeyMaterial: new TextEncoder().encode(publicKey.trim()),
    TagSpecifications: [tagSpec('key-pair', spec)],
  };
}

export function createSecurityGroupInput(spec: LaunchSpec) {
  return {
    GroupName: spec.runId,
    Description: `ailab ${spec.lab}: SSH from one address, for ${spec.runId}`,
    TagSpecifications: [tagSpec('security-group', spec)],
  };
}

export function sshIngressInput(groupId: string, ip: string) {
  return {
    GroupId: groupId,
    IpPermissions: [
      {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        IpRanges: [{ CidrIp: `${ip}/32`, Description: 'ailab: SSH from the machine that launched it' }],
      },
    ],
  };
}

export function runInstancesInput(
  spec: LaunchSpec,
  parts: { imageId: string; rootDevice: string; keyName: string; securityGroupId: string },
) {
  return {
    ImageId: parts.imageId,
    InstanceType: spec.instanceType,
    MinCount: 1,
    MaxCount: 1,
    KeyName: parts.keyName,
    SecurityGroupIds: [parts.securityGroupId],
    // Idempotent: a retried request cannot start a second host.
    ClientToken: spec.runId,
    BlockDeviceMappings: [
      {
        DeviceName: parts.rootDevice,
        Ebs: { VolumeSize: spec.diskGb, VolumeType: 'gp3', DeleteOnTermination: true },
      },
    ],
    InstanceInitiatedShutdownBehavior: 'terminate',
    UserData: Buffer.from(userData(spec)).toString('base64'),
    MetadataOptions: { HttpTokens: 'required' },
    ...(spec.spot
      ? {
          InstanceMarketOptions: {
            MarketType: 'spot',
            SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
          },
        }
      : {}),
    TagSpecifications: [tagSpec('instance', spec), tagSpec('volume', spec)],
  };
}

/** Filters that find ailab's live instances (optionally of one run). */
export function ailabInstanceFilters(runId?: string) {
  return [
    runId ? { Name: `tag:${TAG.runId}`, Values: [runId] } : { Name: 'tag-key', Values: [TAG.runId] },
    { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
  ];
}

const ADVICE: Record<string, (spec: LaunchSpec) => [string, string]> = {
  VcpuLimitExceeded: (s) => [
    `your AWS account's vCPU quota for ${s.instanceType} in ${s.region} is too low`,
    `request more in Service Quotas → EC2 → "Running On-Demand G and VT instances" (${s.spot ? '"All G and VT Spot Instance Requests" for --spot; ' : ''}it counts vCPUs: g5.xlarge needs 4), or try --region`,
  ],
  MaxSpotInstanceCountExceeded: (s) => [
    `your AWS account may not start more spot instances in ${s.region}`,
    'request a higher "All G and VT Spot Instance Requests" quota, or launch without --spot',
  ],
  InsufficientInstanceCapacity: (s) => [
    `AWS has no ${s.instanceType} capacity free in ${s.region} right now`,
    'try again in a few minutes, another --region, or another --instance-type',
  ],
  InsufficientCapacity: (s) => ADVICE.InsufficientInstanceCapacity!(s),
  Unsupported: (s) => [
    `${s.instanceType} is not offered in the availability zone AWS picked in ${s.region}`,
    'try another --region or --instance-type',
  ],
  SpotMaxPriceTooLow: (s) => [
    `the spot price of ${s.instanceType} in ${s.region} is above what this launch allows`,
    'launch without --spot, or in another --region',
  ],
  UnauthorizedOperation: () => [
    'your AWS credentials are not allowed to do this',
    'the IAM user or role needs ec2:* for instances, key pairs and security groups (and ssm:GetParameter)',
  ],
  AuthFailure: () => ['AWS did not accept your credentials', 'check `aws sts get-caller-identity`'],
  CredentialsProviderError: () => [
    'no AWS credentials found',
    'run `aws configure` or `aws sso login`, or set AWS_PROFILE (ailab uses the AWS SDK default credential chain)',
  ],
};

/** An EC2 error as a plain ProvisionError saying what to do; other errors pass unchanged. */
export function explainAwsError(error: unknown, spec: LaunchSpec): unknown {
  const name = (error as { name?: string; Code?: string })?.name ?? '';
  const advice = ADVICE[name] ?? ADVICE[(error as { Code?: string })?.Code ?? ''];
  if (!advice) return error;
  const [message, hint] = advice(spec);
  return new ProvisionError(`${message} (${name})`, hint);
}
