import { describe, expect, it } from 'vitest';
import type { Lab } from '../spec/types.js';
import type { InventoryHost } from '../targets/inventory.js';
import { podOptionsFor } from './target-options.js';

const lab = {
  id: 'week-07',
  pod: { image: 'nvcr.io/nvidia/pytorch:24.05-py3' },
  requires: { gpu: { count: 2 } },
} as unknown as Lab;

const host: InventoryHost = {
  name: 'l4-pool',
  target: 'k8s://gpu-ci/labs',
  labels: {},
  pod: {
    image: 'registry.local/course:7',
    gpus: 1,
    nodeSelector: ['pool=l4', 'zone=a'],
    tolerations: ['nvidia.com/gpu:NoSchedule'],
  },
};

describe('the pod of a k8s:// target', () => {
  it("takes the lab's image and as many GPUs as the lab requires", () => {
    expect(podOptionsFor(lab, {})).toEqual({
      image: 'nvcr.io/nvidia/pytorch:24.05-py3',
      gpus: 2,
      nodeSelector: [],
      tolerations: [],
    });
  });

  it('lets the inventory host override the lab, and the flags override both', () => {
    expect(podOptionsFor(lab, {}, host)).toEqual({
      image: 'registry.local/course:7',
      gpus: 1,
      nodeSelector: ['pool=l4', 'zone=a'],
      tolerations: ['nvidia.com/gpu:NoSchedule'],
    });
    expect(
      podOptionsFor(
        lab,
        { image: 'python:3.12', gpus: 4, nodeSelector: ['zone=b'], toleration: ['x:NoExecute'] },
        host,
      ),
    ).toEqual({
      image: 'python:3.12',
      gpus: 4,
      // The flag's zone=b comes last, so it wins when the selector is built.
      nodeSelector: ['pool=l4', 'zone=a', 'zone=b'],
      tolerations: ['nvidia.com/gpu:NoSchedule', 'x:NoExecute'],
    });
  });

  it('asks for no GPU and the default image when the lab says nothing', () => {
    const plain = { id: 'week-02', requires: {} } as unknown as Lab;
    expect(podOptionsFor(plain, {})).toEqual({
      image: undefined,
      gpus: undefined,
      nodeSelector: [],
      tolerations: [],
    });
  });
});
