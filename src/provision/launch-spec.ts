// Launch options normalised in one place: every default filled in (GPU → instance type, region,
// disk, max-hours), a unique run id, the owner and the expiry. Providers never meet an undefined option.
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { UsageError } from '../errors.js';
import { parseIdleStop } from './idle-stop.js';
import { instanceInfo, instanceTypeFor, loadPrices } from './prices.js';
import { keysDir } from './state.js';
import type { CloudName, GpuName, HostRecord, LaunchSpec } from './types.js';

export const GPU_NAMES: GpuName[] = ['a10g', 'l4', 'a100', 't4'];
const DEFAULT_GPU: Record<CloudName, GpuName> = { aws: 'a10g', gcp: 'l4' };
export const DEFAULT_MAX_HOURS = 4;
export const DEFAULT_DISK_GB = 100;

export interface LaunchRequest {
  cloud: CloudName;
  gpu?: string;
  instanceType?: string;
  region?: string;
  zone?: string;
  project?: string;
  spot?: boolean;
  maxHours?: number;
  diskGb?: number;
  lab?: string;
  publicKeyFile?: string;
  /** The idle stop as written: `30m`, `2h`, `off` (undefined: off). */
  idleStop?: string | number | boolean;
  /** How the learner set it, for errors (default `--idle-stop`). */
  idleStopOption?: string;
}

/** ailab-<yymmddhhmm>-<4 hex>: valid as an EC2 key/group name and a GCP instance name and label. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(2, 12);
  return `ailab-${stamp}-${randomBytes(2).toString('hex')}`;
}

export function currentOwner(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the host name still tells machines apart.
  }
  return `${user}@${hostname()}`;
}

export function normalizeLaunch(request: LaunchRequest, now = new Date()): LaunchSpec {
  const table = loadPrices();
  const cloud = request.cloud;
  if (request.gpu !== undefined && !GPU_NAMES.includes(request.gpu as GpuName))
    throw new UsageError(`unknown --gpu "${request.gpu}"`, `choose one of ${GPU_NAMES.join(', ')}`);
  const known = request.instanceType ? instanceInfo(cloud, request.instanceType, table) : undefined;
  const gpu = (request.gpu as GpuName | undefined) ?? known?.gpu ?? DEFAULT_GPU[cloud];
  const instanceType = request.instanceType ?? instanceTypeFor(cloud, gpu, table);
  const maxHours = request.maxHours ?? DEFAULT_MAX_HOURS;
  if (!(maxHours > 0) || maxHours > 72)
    throw new UsageError(
      `--max-hours ${maxHours} is out of range`,
      'a number of hours above 0 and at most 72',
    );
  const idleStopMinutes =
    request.idleStop === undefined
      ? 0
      : parseIdleStop(request.idleStop, request.idleStopOption ?? '--idle-stop');
  const region =
    request.region ??
    (request.zone ? request.zone.replace(/-[a-z]$/, '') : undefined) ??
    table.clouds[cloud].defaultRegion;
  return {
    cloud,
    runId: newRunId(now),
    lab: request.lab ?? 'manual',
    owner: currentOwner(),
    region,
    zone: cloud === 'gcp' ? (request.zone ?? `${region}-a`) : request.zone,
    project: request.project,
    instanceType,
    gpu,
    diskGb: request.diskGb ?? DEFAULT_DISK_GB,
    spot: request.spot ?? false,
    maxHours,
    expiresAt: new Date(now.getTime() + maxHours * 3_600_000).toISOString(),
    ...(idleStopMinutes > 0 ? { idleStopMinutes } : {}),
    publicKeyFile: request.publicKeyFile,
    keyDir: keysDir(),
  };
}

/** The state record of a host about to be launched: saved before the first resource exists. */
export function launchingHost(spec: LaunchSpec, user: string, extra: Partial<HostRecord> = {}): HostRecord {
  return {
    name: spec.runId,
    cloud: spec.cloud,
    region: spec.region,
    lab: spec.lab,
    owner: spec.owner,
    instanceType: spec.instanceType,
    gpu: spec.gpu,
    spot: spec.spot,
    status: 'launching',
    user,
    launchedAt: new Date().toISOString(),
    expiresAt: spec.expiresAt,
    hourlyUsd: spec.hourlyUsd,
    ...(spec.idleStopMinutes ? { idleStopMinutes: spec.idleStopMinutes } : {}),
    pid: process.pid,
    ...extra,
  };
}
