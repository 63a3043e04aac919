// The price table (data/cloud-prices.json): instance types per cloud and GPU, with on-demand and spot
// prices per region, the date and the source. Estimates before a launch and the --max-hourly-cost
// guard come from here; a region not in the table falls back to the cloud's default region, and says so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisionError } from '../errors.js';
import { packageRoot } from '../util/package-root.js';
import type { CloudName, GpuName } from './types.js';

interface InstanceEntry {
  gpu: GpuName;
  gpus: number;
  vcpus: number;
  accelerator?: string;
  prices: Record<string, { onDemand: number; spot: number }>;
}

export interface CloudPrices {
  source: { onDemand: string; spot: string; disk: string };
  defaultRegion: string;
  diskUsdPerGbMonth: number;
  gpuDefaults: Partial<Record<GpuName, string>>;
  instances: Record<string, InstanceEntry>;
}

export interface PriceTable {
  asOf: string;
  clouds: Record<CloudName, CloudPrices>;
}

let cached: PriceTable | undefined;

export function loadPrices(): PriceTable {
  cached ??= JSON.parse(readFileSync(join(packageRoot(), 'data', 'cloud-prices.json'), 'utf8')) as PriceTable;
  return cached;
}

/** The instance type for a GPU on a cloud (g5.xlarge for an A10G on AWS). */
export function instanceTypeFor(cloud: CloudName, gpu: GpuName, table = loadPrices()): string {
  const type = table.clouds[cloud].gpuDefaults[gpu];
  if (!type) {
    const offered = Object.keys(table.clouds[cloud].gpuDefaults).join(', ');
    throw new ProvisionError(
      `${cloud} has no ${gpu} instance in ailab's table`,
      `--gpu on ${cloud}: ${offered}`,
    );
  }
  return type;
}

export function instanceInfo(
  cloud: CloudName,
  type: string,
  table = loadPrices(),
): InstanceEntry | undefined {
  return table.clouds[cloud].instances[type];
}

export interface Estimate {
  /** Instance and disk together, USD per hour. */
  hourlyUsd: number;
  instanceHourlyUsd: number;
  diskHourlyUsd: number;
  /** hourlyUsd × max-hours: the most the dead-man's switch lets it cost. */
  maxUsd: number;
  /** The region the price is from (differs from the requested one when the table lacks it). */
  priceRegion: string;
  asOf: string;
  source: string;
}

const HOURS_PER_MONTH = 730;

/** An estimate for one host, or undefined when the table does not know the type. */
export function estimateCost(
  launch: {
    cloud: CloudName;
    instanceType: string;
    region: string;
    spot: boolean;
    diskGb: number;
    maxHours: number;
  },
  table = loadPrices(),
): Estimate | undefined {
  const cloud = table.clouds[launch.cloud];
  const entry = cloud.instances[launch.instanceType];
  if (!entry) return undefined;
  const priceRegion = entry.prices[launch.region] ? launch.region : cloud.defaultRegion;
  const price = entry.prices[priceRegion];
  if (!price) return undefined;
  const instanceHourlyUsd = launch.spot ? price.spot : price.onDemand;
  const diskHourlyUsd = (launch.diskGb * cloud.diskUsdPerGbMonth) / HOURS_PER_MONTH;
  const hourlyUsd = instanceHourlyUsd + diskHourlyUsd;
  return {
    hourlyUsd,
    instanceHourlyUsd,
    diskHourlyUsd,
    maxUsd: hourlyUsd * launch.maxHours,
    priceRegion,
    asOf: table.asOf,
    source: launch.spot ? cloud.source.spot : cloud.source.onDemand,
  };
}

/** One line for the terminal: "$1.02/h (instance $1.006 + disk $0.011), at most $4.07 for 4 h". */
export function formatEstimate(
  e: Estimate,
  launch: { region: string; maxHours: number; spot: boolean },
): string {
  const where =
    e.priceRegion === launch.region
      ? ''
      : ` (price of ${e.priceRegion}: ${launch.region} is not in the table)`;
  return `about $${e.hourlyUsd.toFixed(2)}/h${launch.spot ? ' spot' : ''} (instance $${e.instanceHourlyUsd.toFixed(3)} + disk $${e.diskHourlyUsd.toFixed(3)})${where}, at most $${e.maxUsd.toFixed(2)} for ${launch.maxHours} h; list prices of ${e.asOf}, ${e.source}`;
}

/** --max-hourly-cost: refuse a launch above it, or one whose price is unknown. */
export function checkHourlyCost(estimate: Estimate | undefined, max: number | undefined, type: string): void {
  if (max === undefined) return;
  if (!estimate)
    throw new ProvisionError(
      `no price known for ${type}, so --max-hourly-cost ${max} cannot be checked`,
      'choose a type in data/cloud-prices.json, or drop --max-hourly-cost',
    );
  if (estimate.hourlyUsd > max)
    throw new ProvisionError(
      `${type} costs about $${estimate.hourlyUsd.toFixed(2)}/h, above --max-hourly-cost ${max}`,
      'try --spot, a smaller --gpu (t4, l4) or raise --max-hourly-cost',
    );
}
