import { describe, expect, it } from 'vitest';
import { describeMismatches, matchPartial } from './match.js';

const pod = {
  metadata: { name: 'web-1', labels: { app: 'web', 'app.kubernetes.io/name': 'web' } },
  spec: {
    containers: [
      { name: 'app', image: 'ai-model:latest' },
      { name: 'sidecar', image: 'envoy:1.30' },
    ],
  },
  status: { phase: 'Running', allocatable: { 'nvidia.com/gpu': '1' } },
};

describe('matchPartial', () => {
  it('maps are subsets; scalars are value matchers', () => {
    expect(matchPartial({ status: { phase: 'Running' }, metadata: { labels: { app: 'web' } } }, pod)).toEqual(
      [],
    );
    expect(matchPartial({ status: { allocatable: { 'nvidia.com/gpu': '>= 1' } } }, pod)).toEqual([]);
    expect(matchPartial({ metadata: { labels: { 'app.kubernetes.io/name': 'api' } } }, pod)).toEqual([
      { path: 'metadata.labels["app.kubernetes.io/name"]', expected: 'api', actual: 'web' },
    ]);
    expect(describeMismatches(matchPartial({ status: { phase: 'Pending', podIP: '10.0.0.1' } }, pod))).toBe(
      'status.phase is Running, expected Pending (and 1 more)',
    );
  });

  it('lists match as subsets in any order by default, item for item with exact', () => {
    const sidecarOnly = { spec: { containers: [{ image: 'envoy:1.30' }] } };
    expect(matchPartial(sidecarOnly, pod)).toEqual([]);
    expect(matchPartial(sidecarOnly, pod, true)).toEqual([
      { path: 'spec.containers', expected: '1 items', actual: '2 items' },
    ]);
    const swapped = { spec: { containers: [{ name: 'sidecar' }, { name: 'app' }] } };
    expect(matchPartial(swapped, pod)).toEqual([]);
    expect(matchPartial(swapped, pod, true).map((m) => m.path)).toEqual([
      'spec.containers[0].name',
      'spec.containers[1].name',
    ]);
    // Each expected item needs its own actual item.
    expect(matchPartial({ spec: { containers: [{ name: 'app' }, { name: 'app' }] } }, pod)[0].path).toBe(
      'spec.containers[1]',
    );
  });

  it('missing fields, wrong shapes and null', () => {
    expect(matchPartial({ status: { readyReplicas: 1 } }, pod)[0]).toEqual({
      path: 'status.readyReplicas',
      expected: '1',
      actual: 'missing',
    });
    // A field named must be there: a negative matcher does not hold for a field the object lacks.
    expect(matchPartial({ spec: { clusterIP: '!= None' } }, pod)).toEqual([
      { path: 'spec.clusterIP', expected: '!= None', actual: 'missing' },
    ]);
    expect(matchPartial({ spec: { containers: { name: 'app' } } }, pod)[0].expected).toBe('an object');
    expect(matchPartial({ metadata: { deletionTimestamp: null } }, pod)).toEqual([]);
  });
});
