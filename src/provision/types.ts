// The Provider seam: one file per cloud behind this interface, loaded only when used (index.ts).
// A provider creates, waits for, stops, terminates and lists cloud hosts; it never prints, never
// prompts and never reads flags: the CLI and the engine do that around it.

export type CloudName = 'aws' | 'gcp';
export type GpuName = 'a10g' | 'l4' | 'a100' | 't4';

/** What to launch: every default already filled in (see `normalizeLaunch` in launch-spec.ts). */
export interface LaunchSpec {
  cloud: CloudName;
  /** The host's name and the value of the `ailab:run-id` tag / label; unique per launch. */
  runId: string;
  /** The lab it is for (`ailab:lab`), or `manual` for `ailab up`. */
  lab: string;
  /** `user@machine` that started it (`ailab:owner`): cleanup touches only its own resources. */
  owner: string;
  region: string;
  /** GCP zone (AWS lets EC2 pick an availability zone). */
  zone?: string;
  /** GCP project. */
  project?: string;
  instanceType: string;
  gpu: GpuName;
  diskGb: number;
  spot: boolean;
  /** The dead-man's switch: the cloud (or the guest) ends the host after this long, whatever ailab does. */
  maxHours: number;
  /** ISO time = launch + maxHours (`ailab:expires-at`). */
  expiresAt: string;
  /**
   * The idle stop (idle-stop.ts): the host shuts itself down after this many minutes with no SSH
   * session and no busy GPU. Undefined or 0: off.
   */
  idleStopMinutes?: number;
  /** An OpenSSH public key file to install instead of a new key pair. */
  publicKeyFile?: string;
  /** Where new private keys are saved (mode 0400). */
  keyDir: string;
  /** The price table's estimate, kept in the record for `ailab hosts`. */
  hourlyUsd?: number;
}

export type HostStatus = 'launching' | 'running' | 'stopped' | 'terminated';

/** A host ailab started, as kept in the state file (state.ts) from the first resource created on. */
export interface HostRecord {
  name: string;
  cloud: CloudName;
  region: string;
  zone?: string;
  project?: string;
  lab: string;
  owner: string;
  instanceType: string;
  gpu: GpuName;
  spot: boolean;
  status: HostStatus;
  /** The SSH login user on the image. */
  user: string;
  instanceId?: string;
  /** Public IP address, once known. */
  address?: string;
  /** The private key that logs in (created by ailab, or the user's matching key). */
  identityFile?: string;
  /** AWS key pair ailab created or imported. */
  keyName?: string;
  /** AWS security group ailab created. */
  securityGroupId?: string;
  /** GCP firewall rule ailab created. */
  firewallRule?: string;
  launchedAt: string;
  expiresAt: string;
  /** Estimated on-demand or spot price, when the price table knows the type. */
  hourlyUsd?: number;
  /** Minutes of the host's idle stop, when it has one. */
  idleStopMinutes?: number;
  /** The process that is launching it: a `launching` record whose process is gone is a crash. */
  pid?: number;
}

export interface ProviderHooks {
  /** Called after each resource is created: the caller persists it before the provider goes on. */
  record(host: HostRecord): Promise<void>;
  /** Ctrl-C: stop waiting (the caller then terminates what was recorded). */
  signal?: AbortSignal;
  /** One line of progress ("waiting for status checks"). */
  log?(line: string): void;
}

export type ResourceKind = 'instance' | 'key-pair' | 'security-group' | 'firewall';

/** A resource found by its ailab tag or label, for `ailab cleanup`. */
export interface TaggedResource {
  cloud: CloudName;
  kind: ResourceKind;
  id: string;
  /** A readable name (key pair name, group name, instance name). */
  label: string;
  region: string;
  zone?: string;
  project?: string;
  runId?: string;
  owner?: string;
  expiresAt?: string;
  /** Instance state (running, stopped …). */
  state?: string;
}

/** One API request, as `--dry-run` prints it. */
export interface ApiRequest {
  service: string;
  command: string;
  input: unknown;
}

export interface Provider {
  readonly cloud: CloudName;
  /** Create the host and what it needs (key, firewall); `hooks.record` after each creation. */
  launch(spec: LaunchSpec, hooks: ProviderHooks): Promise<HostRecord>;
  /** Wait until it runs, passes its checks and answers on SSH; returns it with its address. */
  waitReady(host: HostRecord, hooks: ProviderHooks): Promise<HostRecord>;
  stop(host: HostRecord): Promise<void>;
  /** Terminate the host and delete what ailab created for it; safe to call twice. */
  terminate(host: HostRecord, hooks?: Pick<ProviderHooks, 'log'>): Promise<void>;
  /** Everything carrying an ailab tag or label in these regions (GCP: zones of these regions). */
  listByTag(regions: string[]): Promise<TaggedResource[]>;
  /** Delete one resource `listByTag` found. */
  remove(resource: TaggedResource): Promise<void>;
}

/** What a provider may be given instead of the real world (tests, --dry-run). */
export interface ProviderOptions {
  /** The caller's public IPv4 address (SSH is allowed from it only). Default: asked of checkip.amazonaws.com. */
  lookupPublicIp?: () => Promise<string>;
  /** Does host:port answer with an SSH banner? Default: a TCP connection that reads `SSH-`. */
  probeSsh?: (host: string, port: number) => Promise<boolean>;
  /** Time between polls while waiting (default 5 s). */
  pollMs?: number;
  /** Give up waiting for a host after this long (default 15 min). */
  readyTimeoutMs?: number;
  /** Record API requests instead of sending them, answering with placeholders. */
  dryRun?: ApiRequest[];
}
