// The GCP provider with its client methods replaced by stand-ins that answer as Compute Engine does:
// LRO objects whose latestResponse is an Operation, instances with their NAT IP, quota errors.
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvisionError } from '../../src/errors.js';
import { createGcpProvider, type GcpClients } from '../../src/provision/gcp.js';
import { normalizeLaunch } from '../../src/provision/launch-spec.js';
import { provisionHost } from '../../src/provision/lifecycle.js';
import { WaitAborted } from '../../src/provision/net.js';
import { readHosts } from '../../src/provision/state.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const savedStateDir = process.env.AILAB_STATE_DIR;
const PROJECT = 'ailab-course-4711';

function operation(kind: string, status: 'RUNNING' | 'DONE', extra: object = {}) {
  return {
    kind: 'compute#operation',
    id: '4818340927491234567',
    name: `operation-1717236000000-61a2b3c4d5e6f-${kind}`,
    operationType: kind,
    status,
    progress: status === 'DONE' ? 100 : 0,
    insertTime: '2025-06-01T03:00:00.000-07:00',
    selfLink: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/zones/us-central1-a/operations/operation-x`,
    zone: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/zones/us-central1-a`,
    ...extra,
  };
}

function vm(status: string, natIP?: string) {
  return {
    kind: 'compute#instance',
    id: '1234567890123456789',
    name: 'set-by-test',
    status,
    machineType: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/zones/us-central1-a/machineTypes/g2-standard-8`,
    networkInterfaces: [
      {
        name: 'nic0',
        networkIP: '10.128.0.7',
        accessConfigs: natIP
          ? [{ kind: 'compute#accessConfig', name: 'External NAT', natIP, type: 'ONE_TO_ONE_NAT' }]
          : [],
      },
    ],
  };
}

interface Call {
  method: string;
  request: Record<string, unknown>;
}

function standIns(over: Partial<Record<string, (request: Record<string, unknown>) => unknown>> = {}) {
  const calls: Call[] = [];
  const fn =
    (method: string, answer: (request: Record<string, unknown>) => unknown) =>
    async (request: Record<string, unknown>) => {
      calls.push({ method, request });
      return (over[method] ?? answer)(request);
    };
  const clients = {
    projectId: async () => PROJECT,
    instances: {
      insert: fn('instances.insert', () => [{ latestResponse: operation('insert', 'RUNNING') }, null, {}]),
      get: fn('instances.get', () => [vm('RUNNING', '34.66.10.20')]),
      delete: fn('instances.delete', () => [{ latestResponse: operation('delete', 'DONE') }]),
      stop: fn('instances.stop', () => [{ latestResponse: operation('stop', 'DONE') }]),
      aggregatedListAsync: async function* () {},
    },
    firewalls: {
      insert: fn('firewalls.insert', () => [
        { latestResponse: operation('insert', 'DONE', { zone: undefined }) },
      ]),
      delete: fn('firewalls.delete', () => [
        { latestResponse: operation('delete', 'DONE', { zone: undefined }) },
      ]),
      listAsync: async function* () {},
    },
    zoneOperations: { wait: fn('zoneOperations.wait', () => [operation('insert', 'DONE')]) },
    globalOperations: { wait: fn('globalOperations.wait', () => [operation('insert', 'DONE')]) },
  } as unknown as GcpClients;
  return { clients, calls };
}

async function provider(clients: GcpClients) {
  return createGcpProvider(
    { lookupPublicIp: async () => '203.0.113.7', probeSsh: async () => true, pollMs: 1 },
    async () => clients,
  );
}

function spec(extra: Parameters<typeof normalizeLaunch>[0] | object = {}) {
  const dir = makeTempDir('ailab-gcp-key-');
  writeFileSync(`${dir}/id_ed25519.pub`, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnly4Test learner@laptop\n');
  return normalizeLaunch({ cloud: 'gcp', publicKeyFile: `${dir}/id_ed25519.pub`, ...extra });
}

beforeEach(() => {
  process.env.AILAB_STATE_DIR = makeTempDir('ailab-gcp-');
});
afterEach(() => {
  process.env.AILAB_STATE_DIR = savedStateDir;
  removeTempDirs();
});

describe('GCP launch', () => {
  it('inserts a /32 SSH rule and an L4 VM that Google deletes after max-hours, labelled like the AWS tags', async () => {
    const { clients, calls } = standIns();
    const s = spec({ maxHours: 3 });
    const host = await provisionHost(await provider(clients), s);

    const fw = calls.find((c) => c.method === 'firewalls.insert')!.request;
    expect(fw).toMatchObject({
      project: PROJECT,
      firewallResource: {
        name: s.runId,
        direction: 'INGRESS',
        sourceRanges: ['203.0.113.7/32'],
        allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
        targetTags: [s.runId],
      },
    });
    const insert = calls.find((c) => c.method === 'instances.insert')!.request as {
      zone: string;
      instanceResource: Record<string, never>;
    };
    expect(insert.zone).toBe('us-central1-a');
    const vmResource = insert.instanceResource as Record<string, unknown>;
    expect(vmResource).toMatchObject({
      name: s.runId,
      machineType: 'zones/us-central1-a/machineTypes/g2-standard-8',
      tags: { items: [s.runId] },
      scheduling: {
        onHostMaintenance: 'TERMINATE',
        provisioningModel: 'STANDARD',
        maxRunDuration: { seconds: '10800' },
        instanceTerminationAction: 'DELETE',
      },
      labels: {
        'ailab-run-id': s.runId,
        'ailab-lab': 'manual',
        'ailab-owner': expect.stringMatching(/^[a-z0-9_-]+$/),
        'ailab-expires-at': String(Math.floor(Date.parse(s.expiresAt) / 1000)),
      },
    });
    expect(vmResource.guestAccelerators).toBeUndefined();
    expect(JSON.stringify(vmResource.metadata)).toContain(
      'ubuntu:ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnly4Test',
    );
    expect(calls.find((c) => c.method === 'zoneOperations.wait')!.request).toEqual({
      operation: 'operation-1717236000000-61a2b3c4d5e6f-insert',
      project: PROJECT,
      zone: 'us-central1-a',
    });
    expect(host).toMatchObject({
      status: 'running',
      address: '34.66.10.20',
      user: 'ubuntu',
      firewallRule: s.runId,
    });
  });

  it('attaches a T4 to an N1 type, and asks for SPOT with --spot', async () => {
    const { clients, calls } = standIns();
    await (await provider(clients)).launch(spec({ gpu: 't4', spot: true }), { record: async () => {} });
    const resource = (
      calls.find((c) => c.method === 'instances.insert')!.request as {
        instanceResource: Record<string, unknown>;
      }
    ).instanceResource;
    expect(resource.guestAccelerators).toEqual([
      { acceleratorType: 'zones/us-central1-a/acceleratorTypes/nvidia-tesla-t4', acceleratorCount: 1 },
    ]);
    expect(resource.scheduling).toMatchObject({
      provisioningModel: 'SPOT',
      instanceTerminationAction: 'DELETE',
    });
  });

  it('explains a GPU quota error from the finished operation, and deletes the rule and the VM', async () => {
    const { clients, calls } = standIns({
      'zoneOperations.wait': () => [
        operation('insert', 'DONE', {
          error: {
            errors: [
              {
                code: 'QUOTA_EXCEEDED',
                message: "Quota 'NVIDIA_L4_GPUS' exceeded.  Limit: 0.0 in region us-central1.",
              },
            ],
          },
        }),
      ],
    });
    const error = await provisionHost(await provider(clients), spec()).catch((e) => e);
    expect(error).toBeInstanceOf(ProvisionError);
    expect(error.message).toContain('NVIDIA_L4_GPUS quota is too low for g2-standard-8 in us-central1');
    expect(error.hint).toMatch(/GPUS_ALL_REGIONS/);
    expect(calls.filter((c) => c.method.endsWith('.delete')).map((c) => c.method)).toEqual([
      'instances.delete',
      'firewalls.delete',
    ]);
    expect(await readHosts()).toEqual([]);
  });

  it('explains a thrown zone exhaustion error', async () => {
    const { clients } = standIns({
      'instances.insert': () => {
        throw Object.assign(
          new Error(
            "ZONE_RESOURCE_POOL_EXHAUSTED: The zone 'projects/p/zones/us-central1-a' does not have enough resources available to fulfill the request.",
          ),
          { code: 3 },
        );
      },
    });
    const error = await provisionHost(await provider(clients), spec()).catch((e) => e);
    expect(error.message).toContain('us-central1-a has no g2-standard-8 capacity');
  });

  it('deletes the VM and its rule on Ctrl-C during wait-ready', async () => {
    const controller = new AbortController();
    const { clients, calls } = standIns({
      'instances.get': () => {
        controller.abort();
        return [vm('STAGING')];
      },
    });
    const s = spec();
    const error = await provisionHost(await provider(clients), s, { signal: controller.signal }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(WaitAborted);
    expect(calls.find((c) => c.method === 'instances.delete')!.request).toEqual({
      project: PROJECT,
      zone: 'us-central1-a',
      instance: s.runId,
    });
    expect(calls.find((c) => c.method === 'firewalls.delete')!.request).toEqual({
      project: PROJECT,
      firewall: s.runId,
    });
  });
});
