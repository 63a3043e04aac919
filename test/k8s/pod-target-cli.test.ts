// `ailab run --target k8s://…` through the real CLI, against the stand-in API server (no cluster can run
// here: its exec endpoint runs commands with a local bash). The pod gets the flags, the lab runs in it,
// and the pod is deleted afterwards — also when the run is interrupted.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, ensureBuilt, REPO_ROOT, runCli, SAMPLE_LABS, spawnCli } from '../helpers/cli.js';
import { type KubePodApi, startKubePodApi } from '../helpers/kube-pod-api.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

let api: KubePodApi | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  await api?.close();
  api = undefined;
});

// A lab that names its pod image and needs GPUs (apart from test/labs, whose labs need no GPU).
const POD_IMAGE_LAB = join(REPO_ROOT, 'test', 'labs-pod', 'pod-image.yaml');

describe('ailab run --target k8s://', () => {
  it('runs a lab in a pod built from the flags, then deletes the pod', async () => {
    api = await startKubePodApi();
    const result = await runCli(
      [
        'run',
        'shell-state',
        '--target',
        'k8s://stand-in/labs',
        '--image',
        'nvcr.io/nvidia/pytorch:24.05-py3',
        '--gpus',
        '1',
        '--toleration',
        'nvidia.com/gpu:NoSchedule',
        '--yes',
      ],
      { env: { KUBECONFIG: api.kubeconfig, AILAB_LABS_DIR: SAMPLE_LABS }, timeoutMs: 30_000 },
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    const pod = api.created[0] as {
      metadata: { name: string; namespace?: string };
      spec: { containers: { image: string; resources?: unknown }[]; tolerations?: unknown[] };
    };
    expect(pod.spec.containers[0].image).toBe('nvcr.io/nvidia/pytorch:24.05-py3');
    expect(pod.spec.containers[0].resources).toEqual({ limits: { 'nvidia.com/gpu': '1' } });
    expect(pod.spec.tolerations).toHaveLength(1);
    expect(api.deleted).toEqual([pod.metadata.name]);
  });

  it('makes the pod from the lab: its pod.image and as many GPUs as requires.gpu asks for', async () => {
    api = await startKubePodApi();
    const result = await runCli(['run', POD_IMAGE_LAB, '--target', 'k8s://stand-in/labs', '--yes'], {
      env: { KUBECONFIG: api.kubeconfig, AILAB_LABS_DIR: SAMPLE_LABS },
      timeoutMs: 30_000,
    });
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const pod = api.created[0] as { spec: { containers: { image: string; resources?: unknown }[] } };
    expect(pod.spec.containers[0].image).toBe('nvcr.io/nvidia/pytorch:24.05-py3');
    expect(pod.spec.containers[0].resources).toEqual({ limits: { 'nvidia.com/gpu': '2' } });
    // The stand-in's pod runs commands on this machine, which has no GPU: the preflight says so.
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).toMatch(/GPU/);
    expect(api.deleted).toHaveLength(1);
  });

  it('--image and --gpus override the lab', async () => {
    api = await startKubePodApi();
    await runCli(
      [
        'run',
        POD_IMAGE_LAB,
        '--target',
        'k8s://stand-in/labs',
        '--image',
        'python:3.12',
        '--gpus',
        '1',
        '--yes',
      ],
      {
        env: { KUBECONFIG: api.kubeconfig, AILAB_LABS_DIR: SAMPLE_LABS },
        timeoutMs: 30_000,
      },
    );
    const pod = api.created[0] as { spec: { containers: { image: string; resources?: unknown }[] } };
    expect(pod.spec.containers[0].image).toBe('python:3.12');
    expect(pod.spec.containers[0].resources).toEqual({ limits: { 'nvidia.com/gpu': '1' } });
  });

  it('runs several labs one after another, each in a pod of its own', async () => {
    api = await startKubePodApi();
    const result = await runCli(
      ['run', 'shell-state', 'all-pass', '--target', 'k8s://stand-in/labs', '--yes'],
      {
        env: { KUBECONFIG: api.kubeconfig, AILAB_LABS_DIR: SAMPLE_LABS },
        timeoutMs: 60_000,
      },
    );
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(api.created).toHaveLength(2);
    expect(api.deleted).toHaveLength(2);
    expect(result.stdout).toMatch(/2 labs: 2 passed/);
  }, 90_000);

  it('grades a lab in a pod per inventory host, each pod shaped by its host', async () => {
    api = await startKubePodApi();
    const inventory = join(makeTempDir('ailab-pods-'), 'pods.yaml');
    writeFileSync(
      inventory,
      [
        'hosts:',
        '  - name: l4-pool',
        '    target: k8s://stand-in/team-a',
        '    pod: { gpus: 1, node_selector: { pool: l4 }, tolerations: [nvidia.com/gpu:NoSchedule] }',
        '  - { name: cpu-pool, target: k8s://stand-in/team-b, pod: { image: python:3.12-slim } }',
      ].join('\n'),
    );
    const result = await runCli(['run', 'all-pass', '--hosts', inventory, '--yes'], {
      env: { KUBECONFIG: api.kubeconfig, AILAB_LABS_DIR: SAMPLE_LABS },
      timeoutMs: 60_000,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    type Pod = {
      metadata: { namespace: string };
      spec: {
        containers: { image: string; resources?: unknown }[];
        nodeSelector?: unknown;
        tolerations?: unknown[];
      };
    };
    const pods = (api.created as Pod[]).sort((a, b) =>
      a.metadata.namespace.localeCompare(b.metadata.namespace),
    );
    expect(pods.map((p) => p.metadata.namespace)).toEqual(['team-a', 'team-b']);
    expect(pods[0].spec.containers[0].resources).toEqual({ limits: { 'nvidia.com/gpu': '1' } });
    expect(pods[0].spec.nodeSelector).toEqual({ pool: 'l4' });
    expect(pods[0].spec.tolerations).toHaveLength(1);
    expect(pods[1].spec.containers[0].image).toBe('python:3.12-slim');
    expect(pods[1].spec.containers[0].resources).toBeUndefined();
    expect(api.deleted).toHaveLength(2);
  }, 90_000);

  it('deletes the pod when the run is interrupted with SIGINT, and exits 130', async () => {
    api = await startKubePodApi();
    const child = spawnCli(['run', 'interrupt', '--target', 'k8s://stand-in/labs', '--yes'], {
      env: { KUBECONFIG: api.kubeconfig, AILAB_LABS_DIR: SAMPLE_LABS },
    });
    let seen = '';
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('Sleep for a long time')) resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    const result = await collect(child, 30_000);
    expect(result.code).toBe(130);
    expect(api.deleted).toHaveLength(1);
  });
});
