// A lab with kubernetes checks, loaded and run by the real engine (loadLab + runLab) against the
// stand-in API server: it passes against a healthy cluster and fails where it should against a broken
// one. Both clusters are built from the recorded fixtures, moved into one namespace and renamed
// (`web`, app=nginx) so that one lab fits both; the moves are the only changes.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runLab } from '../../src/engine/run-lab.js';
import { resolveValues } from '../../src/engine/values.js';
import { loadLab } from '../../src/spec/load.js';
import { LocalTarget } from '../../src/targets/local.js';
import {
  fixture,
  fixtureItems,
  type Json,
  type KubeApi,
  type KubeApiOptions,
  startKubeApi,
  writeKubeconfig,
} from '../helpers/kube-api.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const LAB = join(import.meta.dirname, 'k8s-model.yaml');

const into = (o: Json, changes: { name?: string; labels?: Record<string, string> } = {}) => ({
  ...o,
  metadata: {
    ...o.metadata,
    namespace: 'default',
    ...(changes.name && { name: changes.name }),
    ...(changes.labels && { labels: { ...o.metadata?.labels, ...changes.labels } }),
  },
});

function healthy(): Json[] {
  return [
    into(fixture('deployment-ready.json'), { name: 'web' }),
    ...fixtureItems('pods-running-k3s-default.json', 'Pod'),
    into(fixture('service-nodeport.json')),
    ...fixtureItems('nodes-gpu.json', 'Node'),
    ...fixtureItems('events-imagepull-gpu-scheduling.json', 'Event')
      .filter((e) => e.reason !== 'BackOff')
      .map((e) => into(e)),
  ];
}

function broken(): Json[] {
  return [
    into(fixture('deployment-not-ready-gpu.json'), { name: 'web' }),
    ...fixtureItems('pods-crashloop.json', 'Pod').map((p) => into(p, { labels: { app: 'nginx' } })),
    ...fixtureItems('nodes-aks-kubectl.json', 'Node'),
    ...fixtureItems('events-crashloop.json', 'Event').map((e) => into(e)),
  ];
}

let api: KubeApi | undefined;
afterEach(async () => {
  await api?.close();
  vi.unstubAllEnvs();
  removeTempDirs();
});

async function runAgainst(
  objects: Json[],
  logs: Record<string, string>,
  respond?: KubeApiOptions['respond'],
) {
  api = await startKubeApi({ objects, logs, respond });
  vi.stubEnv('KUBECONFIG', writeKubeconfig(makeTempDir('ailab-kube-'), { server: api.url }));
  const lab = await loadLab(LAB);
  const { values, secrets } = await resolveValues(lab, { sets: [] });
  return runLab(lab, {
    mode: 'run',
    values,
    secrets,
    workDir: makeTempDir('ailab-k8s-lab-'),
    target: new LocalTarget(),
    signal: new AbortController().signal,
    version: '0.0.0-test',
  });
}

describe('a lab with kubernetes checks', () => {
  it('passes against a healthy cluster, after the deployment rolls out', async () => {
    let gets = 0;
    const rolling = into(fixture('deployment-rolling-out.json'), { name: 'web' });
    const result = await runAgainst(
      healthy(),
      { 'nginx-deployment-7986654d4-ztx2g': 'start worker process 31\n' },
      (path) => {
        if (path !== '/apis/apps/v1/namespaces/default/deployments/web' || ++gets > 2) return undefined;
        return { status: 200, body: rolling };
      },
    );
    const checks = [...result.steps.flatMap((s) => s.checks), ...result.verify];
    expect(checks.map((c) => [c.id, c.status, c.message])).toEqual(
      checks.map((c) => [c.id, 'pass', c.message]),
    );
    expect(checks.find((c) => c.id === 'rolled-out')?.attempts).toBe(3);
    expect(result.status).toBe('passed');
  });

  it('fails where it should against a broken cluster', async () => {
    const result = await runAgainst(broken(), { 'init-demo': 'exec: "wge": executable file not found\n' });
    const byId = Object.fromEntries(
      [...result.steps.flatMap((s) => s.checks), ...result.verify].map((c) => [c.id, c]),
    );
    expect(byId['rolled-out'].status).toBe('fail');
    expect(byId['rolled-out'].message).toMatch(
      /^still failing after 3(?:\.0)?s: condition Progressing Progressing=False \(ProgressDeadlineExceeded\)/,
    );
    expect(byId.node.message).toBe('nvidia.com/gpu allocatable 0, expected >= 1');
    expect(byId.replicas.message).toBe('ready replicas 0, expected 1');
    expect(byId.pods.message).toMatch(/^pod CrashLoopBackOff, expected Running/);
    expect(byId.pods.details).toContain('exec: "wge"');
    expect(byId.service.message).toBe('Service default/example-web-go: not found');
    expect(byId['no-backoff'].message).toMatch(
      /^event BackOff: Warning BackOff Pod\/init-demo.*expected absent$/,
    );
    expect(result.status).toBe('failed');
  }, 20_000);
});
