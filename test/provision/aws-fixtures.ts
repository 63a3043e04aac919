// EC2 and SSM responses shaped like the real ones (field names and nesting of the SDK's output types,
// values as EC2 returns them), for aws-sdk-client-mock.
import type {
  DescribeInstanceStatusCommandOutput,
  DescribeInstancesCommandOutput,
  Image,
  Instance,
  TerminateInstancesCommandOutput,
} from '@aws-sdk/client-ec2';
import type { GetParameterCommandOutput } from '@aws-sdk/client-ssm';
export const AMI_ID = 'ami-0c4d9e2b7a1f35e60';
export const INSTANCE_ID = 'i-0f1e2d3c4b5a69788';
export const GROUP_ID = 'sg-0a1b2c3d4e5f60718';
export const PUBLIC_IP = '54.210.12.34';
export const CALLER_IP = '203.0.113.7';

export const getParameter: GetParameterCommandOutput = {
  $metadata: { httpStatusCode: 200 },
  Parameter: {
    Name: '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
    Type: 'String',
    Value: AMI_ID,
    Version: 87,
    LastModifiedDate: new Date('2025-05-24T01:10:11.000Z'),
    ARN: 'arn:aws:ssm:us-east-1::parameter/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
    DataType: 'text',
  },
};

export function image(id: string, created: string): Image {
  return {
    Architecture: 'x86_64',
    CreationDate: created,
    ImageId: id,
    ImageLocation: 'amazon/Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20250523',
    ImageType: 'machine',
    Public: true,
    OwnerId: '898082745236',
    State: 'available',
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/sda1',
        Ebs: { DeleteOnTermination: true, SnapshotId: 'snap-0a1', VolumeSize: 75, VolumeType: 'gp3' },
      },
    ],
    Description: 'Supported EC2 instances: G4dn, G5, G6, Gr6, G6e, P4, P4de, P5, P5e, P5en, P6-B200',
    EnaSupport: true,
    Hypervisor: 'xen',
    ImageOwnerAlias: 'amazon',
    Name: `Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) ${created.slice(0, 10).replace(/-/g, '')}`,
    RootDeviceName: '/dev/sda1',
    RootDeviceType: 'ebs',
    VirtualizationType: 'hvm',
  };
}

export const createKeyPair = {
  KeyFingerprint: 'k5K8yGJwqBrmL0sdDgaOU1sw2wY1vJ9kZz7ab1d0Ywc=',
  KeyMaterial:
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----',
  KeyName: 'set-by-test',
  KeyPairId: 'key-0123456789abcdef0',
};

export function instance(
  state: 'pending' | 'running' | 'shutting-down' | 'terminated',
  tags: { Key: string; Value: string }[] = [],
): Instance {
  const code = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 }[state];
  return {
    AmiLaunchIndex: 0,
    ImageId: AMI_ID,
    InstanceId: INSTANCE_ID,
    InstanceType: 'g5.xlarge',
    KeyName: 'set-by-test',
    LaunchTime: new Date('2025-06-01T10:00:00.000Z'),
    Placement: { AvailabilityZone: 'us-east-1b', GroupName: '', Tenancy: 'default' },
    PrivateIpAddress: '172.31.20.5',
    ...(state === 'running'
      ? { PublicIpAddress: PUBLIC_IP, PublicDnsName: 'ec2-54-210-12-34.compute-1.amazonaws.com' }
      : {}),
    State: { Code: code, Name: state },
    StateTransitionReason: '',
    SubnetId: 'subnet-0abc',
    VpcId: 'vpc-0abc',
    Architecture: 'x86_64',
    RootDeviceName: '/dev/sda1',
    RootDeviceType: 'ebs',
    SecurityGroups: [{ GroupId: GROUP_ID, GroupName: 'set-by-test' }],
    Tags: tags,
  };
}

export function reservation(...instances: Instance[]): DescribeInstancesCommandOutput {
  return {
    $metadata: { httpStatusCode: 200 },
    Reservations: instances.length
      ? [{ Groups: [], Instances: instances, OwnerId: '123456789012', ReservationId: 'r-0a1b2c3d4e5f60718' }]
      : [],
  };
}

export function instanceStatus(ok: boolean): DescribeInstanceStatusCommandOutput {
  const s = ok ? 'ok' : 'initializing';
  const detail = ok ? 'passed' : 'initializing';
  return {
    $metadata: {},
    InstanceStatuses: [
      {
        AvailabilityZone: 'us-east-1b',
        InstanceId: INSTANCE_ID,
        InstanceState: { Code: 16, Name: 'running' },
        InstanceStatus: { Details: [{ Name: 'reachability', Status: detail }], Status: s },
        SystemStatus: { Details: [{ Name: 'reachability', Status: detail }], Status: s },
      },
    ],
  };
}

export const terminateInstances: TerminateInstancesCommandOutput = {
  $metadata: {},
  TerminatingInstances: [
    {
      CurrentState: { Code: 32, Name: 'shutting-down' },
      InstanceId: INSTANCE_ID,
      PreviousState: { Code: 16, Name: 'running' },
    },
  ],
};
