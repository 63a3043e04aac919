// Week 5 (Deploy a Model on Minikube): every kubectl/minikube check of the lab (its steps' expect
// checks and its graded verify checks), run by the real engine on this machine against a stand-in
// `kubectl` and `minikube` on PATH (fixtures-w01-05/fake-k8s.mjs). The stand-ins replay real API
// objects from ../shared/fixtures/kubernetes: a healthy cluster is built from them (our manifests'
// spec with a real Deployment status scaled to 4, four copies of a real Running pod, a real kubectl
// node list), and a broken one is them as captured (a rollout stuck at 1 of 2, a pod in ErrImagePull,
// the course's manifest without imagePullPolicy). The API checks run against week 4's app served for
// real by uvicorn, whose live log is what `kubectl logs` shows. Minikube itself needs 4 CPUs and a
// Docker engine, so the requirements are waived here and the steps are not run.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CheckResult } from '../../src/engine/result.js';
import { runLab } from '../../src/engine/run-lab.js';
import { resolveValues } from '../../src/engine/values.js';
import { interpolate } from '../../src/spec/interpolate.js';
import { loadLab } from '../../src/spec/load.js';
import type { Lab } from '../../src/spec/types.js';
import { LocalTarget } from '../../src/targets/local.js';
import { freePort } from '../helpers/net.js';
import { killQuietly, waitFor } from '../helpers/processes.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import { DEBIAN_PYTHON, FIXTURES, ROOT, SHARED_FIXTURES, writeStub } from './fixtures-w01-05/ailab-cli.js';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes API objects from the fixtures, edited freely here.
type Json = Record<string, any>;

const k8s = (name: string): Json =>
  JSON.parse(readFileSync(join(SHARED_FIXTURES, 'kubernetes', name), 'utf8'));
const template = (path: string, values: Record<string, string>): Json =>
  parse(interpolate(readFileSync(join(ROOT, 'templates', path), 'utf8'), values, 'raw'));

let lab: Lab;
let workDir: string;
let bin: string;
let uvicorn: ChildProcess | undefined;
let apiPort: number;
let uvicornLog: string;
const originalPath = process.env.PATH;

/** Run every kubectl/minikube/API check of the lab once (no polling) against a stand-in cluster state. */
async function checkAgainst(state: Json, port: number): Promise<Map<string, CheckResult>> {
  const stateFile = join(makeTempDir('ailab-w05-state-'), 'state.json');
  writeFileSync(stateFile, JSON.stringify(state));
  process.env.FAKE_K8S_STATE = stateFile;
  process.env.PATH = `${bin}:${originalPath}`;
  try {
    const { values } = await resolveValues(lab, { sets: [`port=${port}`, `python=${DEBIAN_PYTHON}`] });
    const checks = [...lab.steps.flatMap((s) => s.expect), ...lab.verify].map((c) => ({ ...c, withinMs: 0 }));
    const result = await runLab(
      // 2 cores and no Docker here: the machine requirements are waived; the checks are what is tested.
      {
        ...lab,
        requires: {
          ...lab.requires,
          cpus: undefined,
          memoryBytes: undefined,
          diskBytes: undefined,
          pythonModules: [],
        },
        verify: checks,
      },
      {
        target: new LocalTarget(),
        mode: 'verify',
        values,
        workDir,
        signal: new AbortController().signal,
        version: 'test',
      },
    );
    expect(
      result.preflight.every((p) => p.ok),
      JSON.stringify(result.preflight),
    ).toBe(true);
    return new Map(result.verify.map((c) => [c.id, c]));
  } finally {
    process.env.PATH = originalPath;
  }
}

function healthyCluster(): Json {
  const values = { replicas: '4' };
  const deployment = template('week-05/deployment.yaml', values);
  const captured = k8s('deployment-ready.json');
  deployment.metadata = { ...deployment.metadata, namespace: 'default', generation: 2 };
  deployment.status = {
    ...captured.status,
    replicas: 4,
    readyReplicas: 4,
    availableReplicas: 4,
    updatedReplicas: 4,
  };
  const service = template('week-05/service.yaml', {});
  const capturedService = k8s('service-nodeport.json');
  service.spec.clusterIP = capturedService.spec.clusterIP;
  service.spec.ports[0].nodePort = capturedService.spec.ports[0].nodePort;
  service.status = capturedService.status;
  const runningPod = k8s('pods-running-k3s-default.json').items[0];
  const pods = [0, 1, 2, 3].map((i) => {
    const pod = structuredClone(runningPod);
    pod.metadata.name = `ai-model-deployment-7986654d4-${i}abcd`;
    pod.metadata.labels = { app: 'ai-model', 'pod-template-hash': '7986654d4' };
    pod.spec.containers[0].name = 'ai-model';
    return pod;
  });
  return {
    nodes: k8s('nodes-gpu-rke2-kubectl.json'),
    deployments: { 'ai-model-deployment': deployment },
    services: { 'ai-model-service': service },
    pods: { kind: 'PodList', items: pods },
    logs_file: uvicornLog,
    minikube: {
      status: {
        Name: 'minikube',
        Host: 'Running',
        Kubelet: 'Running',
        APIServer: 'Running',
        Kubeconfig: 'Configured',
        Worker: false,
      },
      images: ['registry.k8s.io/pause:3.10', 'docker.io/library/ai-model:latest'],
    },
  };
}

function brokenCluster(): Json {
  // The course's manifest: no imagePullPolicy, so the kubelet pulls ai-model:latest from Docker Hub.
  const deployment = template('week-05/deployment.yaml', { replicas: '2' });
  delete deployment.spec.template.spec.containers[0].imagePullPolicy;
  deployment.status = k8s('deployment-rolling-out.json').status;
  const pending = k8s('pods-errimagepull.json').items.map((pod: Json) => ({
    ...pod,
    metadata: { ...pod.metadata, labels: { app: 'ai-model' } },
  }));
  const service = k8s('service-nodeport.json');
  service.metadata.name = 'ai-model-service';
  return {
    nodes: k8s('nodes-aks-kubectl.json'),
    deployments: { 'ai-model-deployment': deployment },
    services: { 'ai-model-service': service },
    pods: { kind: 'PodList', items: pending },
    logs: readFileSync(join(SHARED_FIXTURES, 'kubernetes', 'pod-log-nginx.txt'), 'utf8'),
    minikube: {
      status: {
        Name: 'minikube',
        Host: 'Running',
        Kubelet: 'Running',
        APIServer: 'Running',
        Kubeconfig: 'Configured',
        Worker: false,
      },
      images: ['registry.k8s.io/pause:3.10'],
    },
  };
}

beforeAll(async () => {
  lab = await loadLab(join(ROOT, 'labs', 'week-05.yaml'));
  workDir = makeTempDir('ailab-w05-work-');
  bin = makeTempDir('ailab-w05-bin-');
  for (const tool of ['kubectl', 'minikube'])
    writeStub(
      bin,
      tool,
      `#!/bin/sh\nexec "${process.execPath}" "${join(FIXTURES, 'fake-k8s.mjs')}" ${tool} "$@"\n`,
    );
  // Week 4's app, as the lab ships it, with a model saved from random weights (nothing downloaded).
  for (const file of ['app.py', 'make_test_image.py'])
    copyFileSync(join(ROOT, 'templates', 'week-04', file), join(workDir, file));
  const train = readFileSync(join(ROOT, 'templates', 'week-04', 'train_model.py'), 'utf8');
  writeFileSync(join(workDir, 'train_model.py'), interpolate(train, { weights: 'none' }, 'raw'));
  execFileSync(DEBIAN_PYTHON, ['train_model.py'], { cwd: workDir });
  execFileSync(DEBIAN_PYTHON, ['make_test_image.py'], { cwd: workDir });
  apiPort = await freePort();
  uvicornLog = join(workDir, 'uvicorn.log');
  const log = openSync(uvicornLog, 'a');
  uvicorn = spawn(
    DEBIAN_PYTHON,
    ['-m', 'uvicorn', 'app:app', '--host', '127.0.0.1', '--port', String(apiPort)],
    {
      cwd: workDir,
      stdio: ['ignore', log, log],
    },
  );
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${apiPort}/docs`).catch(() => undefined))?.status === 200,
    'uvicorn to serve /docs',
    45_000,
    250,
  );
}, 60_000);

afterAll(() => {
  killQuietly(uvicorn?.pid);
  removeTempDirs();
});

describe('week-05 checks against a healthy cluster built from real API objects', () => {
  let checks: Map<string, CheckResult>;

  beforeAll(async () => {
    checks = await checkAgainst(healthyCluster(), apiPort);
  }, 60_000);

  it('passes every check of the lab', () => {
    const notPassed = [...checks.values()].filter((c) => c.status !== 'pass');
    expect(notPassed.map((c) => `${c.id} ${c.title}: ${c.message}\n${c.details ?? ''}`)).toEqual([]);
    expect(checks.size).toBe(lab.steps.flatMap((s) => s.expect).length + lab.verify.length);
  });

  it('read the facts the course asks for: 1 ready node, 4 ready replicas, a NodePort in range', () => {
    expect(checks.get('start-1')?.title).toBe('You should see 1 ready node');
    expect(checks.get('scaled')?.title).toBe('The Deployment runs 4 ready replicas');
    expect(checks.get('service')?.observed).toMatch(/NodePort 80 8000 30692/);
    expect(checks.get('pods')?.observed).toMatch(/\b4\b/);
  });

  it('saw the real /predict request in the logs kubectl showed', () => {
    expect(readFileSync(uvicornLog, 'utf8')).toMatch(/"POST \/predict HTTP\/1\.1" 200/);
    expect(checks.get('logs')?.status).toBe('pass');
  });
});

describe("week-05 checks against the course's mistakes, as captured from real clusters", () => {
  let checks: Map<string, CheckResult>;

  beforeAll(async () => {
    checks = await checkAgainst(brokenCluster(), await freePort());
  }, 60_000);

  it('fails what is broken and names what it saw', () => {
    const status = (id: string) => checks.get(id)?.status;
    expect(status('node-ready')).toBe('pass'); // three Ready AKS nodes
    for (const id of ['image', 'pull-policy', 'scaled', 'pods', 'service', 'docs', 'predict', 'logs'])
      expect(status(id), id).toBe('fail');
    expect(checks.get('deploy-1')?.status).toBe('fail');
    expect(checks.get('deploy-1')?.details).toMatch(/1 of 2 updated replicas are available/);
    expect(checks.get('pull-policy')?.hint).toMatch(/ErrImagePull/);
    expect(checks.get('service')?.observed).toMatch(/NodePort 5000 5000 30692/);
  });
});
