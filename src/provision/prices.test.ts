import { describe, expect, it } from 'vitest';
import { checkHourlyCost, estimateCost, instanceTypeFor, loadPrices } from './prices.js';

describe('price table', () => {
  it('has a date, a source and both prices for every type, and a type for every default GPU', () => {
    const table = loadPrices();
    expect(table.asOf).toMatch(/^\d{4}-\d{2}/);
    for (const cloud of Object.values(table.clouds)) {
      expect(cloud.source.onDemand).toMatch(/^https:\/\//);
      expect(cloud.instances[cloud.gpuDefaults.l4!]).toBeDefined();
      for (const entry of Object.values(cloud.instances))
        for (const price of Object.values(entry.prices)) expect(price.spot).toBeLessThan(price.onDemand);
    }
    expect(instanceTypeFor('aws', 'a10g')).toBe('g5.xlarge');
    expect(instanceTypeFor('gcp', 'a100')).toBe('a2-highgpu-1g');
    expect(() => instanceTypeFor('gcp', 'a10g')).toThrow(/gcp has no a10g/);
  });

  it('estimates instance plus disk, falls back to the default region, and guards the hourly cost', () => {
    const e = estimateCost({
      cloud: 'aws',
      instanceType: 'g5.xlarge',
      region: 'ap-south-1',
      spot: false,
      diskGb: 100,
      maxHours: 4,
    })!;
    expect(e.priceRegion).toBe('us-east-1');
    expect(e.instanceHourlyUsd).toBe(1.006);
    expect(e.diskHourlyUsd).toBeCloseTo(8 / 730, 5);
    expect(e.maxUsd).toBeCloseTo(e.hourlyUsd * 4, 5);
    expect(() => checkHourlyCost(e, 1, 'g5.xlarge')).toThrow(/above --max-hourly-cost 1/);
    expect(() => checkHourlyCost(e, 2, 'g5.xlarge')).not.toThrow();
    expect(() => checkHourlyCost(undefined, 2, 'x9.huge')).toThrow(/no price known/);
  });
});
