// A stand-in for the EC2 and SSM HTTP APIs, enough for `ailab up` and `ailab down`: it speaks EC2's
// Query protocol (form-encoded Action=…, XML answers shaped like EC2's) and SSM's JSON protocol,
// records every request, and keeps one instance `pending` until it is terminated. The CLI reaches it
// through AILAB_TEST_EC2_ENDPOINT.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Ec2Request {
  action: string;
  params: Record<string, string>;
}

const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const INSTANCE = 'i-0f1e2d3c4b5a69788';
const GROUP = 'sg-0a1b2c3d4e5f60718';

function xml(action: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${NS}"><requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>${body}</${action}Response>`;
}

type State = 'pending' | 'running' | 'terminated' | 'shutting-down';

function instanceXml(state: State, ip?: string): string {
  const code = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 }[state];
  const address = ip && state === 'running' ? `<ipAddress>${ip}</ipAddress>` : '';
  return `<item><instanceId>${INSTANCE}</instanceId><imageId>ami-0c4d9e2b7a1f35e60</imageId><instanceState><code>${code}</code><name>${state}</name></instanceState><privateDnsName/><dnsName/><reason/>${address}<amiLaunchIndex>0</amiLaunchIndex><instanceType>g5.xlarge</instanceType><placement><availabilityZone>us-east-1b</availabilityZone><tenancy>default</tenancy></placement></item>`;
}

export interface FakeEc2Options {
  /**
   * The instance runs at once with this public IP, passes its status checks, and CreateKeyPair hands
   * out `keyMaterial` (a real private key, so SSH to a local sshd works). Default: pending for ever.
   */
  ready?: { publicIp: string; keyMaterial: string };
}

export class FakeEc2 {
  readonly requests: Ec2Request[] = [];
  constructor(private readonly options: FakeEc2Options = {}) {}
  private server: Server = createServer((req, res) => void this.handle(req, res));
  private waiters: { action: string; resolve: () => void }[] = [];

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves once a request with this action has arrived. */
  waitFor(action: string): Promise<void> {
    if (this.requests.some((r) => r.action === action)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ action, resolve }));
  }

  actions(): string[] {
    return this.requests.map((r) => r.action);
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') {
      const action = target.split('.').pop()!;
      this.record(action, JSON.parse(body || '{}'));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          Parameter: {
            Name: JSON.parse(body).Name,
            Type: 'String',
            Value: 'ami-0c4d9e2b7a1f35e60',
            Version: 87,
          },
        }),
      );
      return;
    }
    const params = Object.fromEntries(new URLSearchParams(body));
    const action = params.Action ?? '';
    this.record(action, params);
    const terminated = this.requests.some((r) => r.action === 'TerminateInstances');
    const ready = this.options.ready;
    const answers: Record<string, string> = {
      DescribeImages: `<imagesSet><item><imageId>ami-0c4d9e2b7a1f35e60</imageId><name>Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20250523</name><creationDate>2025-05-23T08:12:44.000Z</creationDate><architecture>x86_64</architecture><imageState>available</imageState><rootDeviceName>/dev/sda1</rootDeviceName><rootDeviceType>ebs</rootDeviceType></item></imagesSet>`,
      CreateKeyPair: `<keyName>${params.KeyName}</keyName><keyFingerprint>k5K8yGJwqBrmL0sdDgaOU1sw2wY1vJ9kZz7ab1d0Ywc=</keyFingerprint><keyMaterial>${this.options.ready?.keyMaterial ?? '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----'}</keyMaterial><keyPairId>key-0123456789abcdef0</keyPairId>`,
      CreateSecurityGroup: `<return>true</return><groupId>${GROUP}</groupId>`,
      AuthorizeSecurityGroupIngress: '<return>true</return>',
      RunInstances: `<reservationId>r-0a1b2c3d4e5f60718</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>${instanceXml('pending')}</instancesSet>`,
      DescribeInstances: `<reservationSet><item><reservationId>r-0a1b2c3d4e5f60718</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>${instanceXml(terminated ? 'terminated' : ready ? 'running' : 'pending', ready?.publicIp)}</instancesSet></item></reservationSet>`,
      DescribeInstanceStatus: `<instanceStatusSet><item><instanceId>${INSTANCE}</instanceId><availabilityZone>us-east-1b</availabilityZone><instanceState><code>16</code><name>running</name></instanceState><systemStatus><status>${ready ? 'ok' : 'initializing'}</status></systemStatus><instanceStatus><status>${ready ? 'ok' : 'initializing'}</status></instanceStatus></item></instanceStatusSet>`,
      TerminateInstances: `<instancesSet><item><instanceId>${INSTANCE}</instanceId><currentState><code>32</code><name>shutting-down</name></currentState><previousState><code>0</code><name>pending</name></previousState></item></instancesSet>`,
      DeleteSecurityGroup: '<return>true</return>',
      DeleteKeyPair: '<return>true</return>',
      DescribeKeyPairs: '<keySet/>',
      DescribeSecurityGroups: '<securityGroupInfo/>',
    };
    const answer = answers[action];
    if (answer === undefined) {
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end(
        `<Response><Errors><Error><Code>InvalidAction</Code><Message>stand-in: ${action}</Message></Error></Errors><RequestID>x</RequestID></Response>`,
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
    res.end(xml(action, answer));
  }

  private record(action: string, params: Record<string, string>): void {
    this.requests.push({ action, params });
    for (const w of this.waiters.filter((x) => x.action === action)) w.resolve();
    this.waiters = this.waiters.filter((x) => x.action !== action);
  }
}
