// `ailab run --target k8s://…` through the real CLI, against the stand-in API server (no cluster can run
// here: its exec endpoint runs commands with a local bash). The pod gets the flags, the lab runs in it,
// and the pod is deleted afterwards — also when the run is interrupted.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, ensureBuilt, runCli, SAMPLE_LABS, spawnCli } from '../helpers/cli.js';
import { type KubePodApi, startKubePodApi } from '../helpers/kube-pod-api.js';

let api: KubePodApi | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  await api?.close();
  api = undefined;
});

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
