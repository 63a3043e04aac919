// Week 5 (Deploy a Model on Minikube): every cluster check of the lab (its steps' expect checks and its
// graded verify checks), run by the real engine on this machine. The `kubernetes` checks read a stand-in
// API server (test/helpers/kube-api.ts) through a kubeconfig in KUBECONFIG, as they read minikube's; the
// checks that stay commands (`kubectl rollout status`, `minikube status`, `minikube image ls`) run a
// stand-in `kubectl` and `minikube` on PATH (fixtures-w01-05/fake-k8s.mjs), whose `kubectl rollout
// status` reads the Deployment from the same API server. The objects are the real ones of
// ../shared/fixtures/kubernetes: a healthy cluster is built from them (our manifests' spec with a real
// Deployment status scaled to 4, four copies of a real Running pod, a real node list), and a broken one
// is them as captured (a rollout stuck at 1 of 2, pods in ErrImagePull and ImagePullBackOff with their
// real events, the course's manifest without imagePullPolicy, a Service left as ClusterIP). The API
// checks run against week 4's app served for real by uvicorn, whose live log is the log the stand-in
// API server gives for the pod behind the port-forward. Minikube itself needs 4 CPUs and a Docker
// engine, so the requirements are waived here and the steps are not run.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import type { CheckResult } from '../../src/engine/result.js';
import { runLab } from '../../src/engine/run-lab.js';
import { resolveValues } from '../../src/engine/values.js';
import { interpolate } from '../../src/spec/interpolate.js';
import { loadLab } from '../../src/spec/load.js';
import type { Lab } from '../../src/spec/types.js';
import { LocalTarget } from '../../src/targets/local.js';
import {
  fixture,
  fixtureItems,
  type Json,
  K8S_FIXTURES,
  startKubeApi,
  writeKubeconfig,
} from '../helpers/kube-api.js';
import { freePort } from '../helpers/net.js';
import { killQuietly, waitFor } from '../helpers/processes.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import { DEBIAN_PYTHON, FIXTURES, ROOT, writeStub } from './fixtures-w01-05/ailab-cli.js';

const template = (path: string, values: Record<string, string>): Json =>
  parse(interpolate(readFileSync(join(ROOT, 'templates', path), 'utf8'), values, 'raw'));

/** A cluster state: the objects the stand-in API server serves, pod logs, and what minikube says. */
interface Cluster {
  objects: Json[];
  /** Pod name → its log; a function is read at each request (the live uvicorn log). */
  logs: Record<string, string | (() => string)>;
  minikube: Json;
}

interface Graded {
  checks: Map<string, CheckResult>;
  /** The API server's requests (path and query), in order. */
  requests: string[];
  /** The stand-in kubectl/minikube's command lines, in order. */
  calls: string[];
}

let lab: Lab;
let workDir: string;
let bin: string;
let uvicorn: ChildProcess | undefined;
let apiPort: number;
let uvicornLog: string;
/** Uvicorn's log once it served /docs (start-up and GET /docs lines): the log of a pod only probed. */
let probedLog: string;

const MINIKUBE_RUNNING = {
  Name: 'minikube',
  Host: 'Running',
  Kubelet: 'Running',
  APIServer: 'Running',
  Kubeconfig: 'Configured',
  Worker: false,
};

/** Pod logs for the stand-in API server: a getter per pod, so a live log is read at each request. */
function podLogs(logs: Cluster['logs']): Record<string, string> {
  const served: Record<string, string> = {};
  for (const [pod, log] of Object.entries(logs))
    Object.defineProperty(served, pod, {
      enumerable: true,
      get: typeof log === 'function' ? log : () => log,
    });
  return served;
}

/**
 * Run every check of the lab once (no polling) against a cluster state: the stand-in API server serves
 * it (or `server` is a URL where nothing answers), KUBECONFIG names it with minikube's context name.
 */
async function checkAgainst(cluster: Cluster, port: number, server?: string): Promise<Graded> {
  const api = await startKubeApi({ objects: cluster.objects, logs: podLogs(cluster.logs) });
  const dir = makeTempDir('ailab-w05-state-');
  const minikubeState = join(dir, 'minikube.json');
  writeFileSync(minikubeState, JSON.stringify(cluster.minikube));
  const calls = join(dir, 'calls.txt');
  vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: server ?? api.url, context: 'minikube' }));
  vi.stubEnv('AILAB_KUBE_CONTEXT', '');
  vi.stubEnv('FAKE_MINIKUBE_STATE', minikubeState);
  vi.stubEnv('FAKE_K8S_CALLS', calls);
  vi.stubEnv('PATH', `${bin}:${process.env.PATH}`);
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
    return {
      checks: new Map(result.verify.map((c) => [c.id, c])),
      requests: [...api.requests],
      calls: existsSync(calls) ? readFileSync(calls, 'utf8').trimEnd().split('\n') : [],
    };
  } finally {
    vi.unstubAllEnvs();
    await api.close();
  }
}

/** A copy of the real Running pod (pods-running-k3s-default.json) as a pod of ai-model-deployment. */
function runningPod(i: number): Json {
  const pod = structuredClone(fixtureItems('pods-running-k3s-default.json', 'Pod')[0]);
  pod.metadata.name = `ai-model-deployment-7986654d4-${i}abcd`;
  pod.metadata.labels = { app: 'ai-model', 'pod-template-hash': '7986654d4' };
  const first = pod.spec.containers[0].name;
  pod.spec.containers[0].name = 'ai-model';
  for (const status of pod.status.containerStatuses) if (status.name === first) status.name = 'ai-model';
  return pod;
}

function healthyCluster(): Cluster {
  // Our manifest as applied and scaled to 4 (generation 2: apply, then scale), with the real status of
  // deployment-ready.json scaled from its 1 replica to 4, the scale observed.
  const deployment = template('week-05/deployment.yaml', { replicas: '4' });
  deployment.metadata = { ...deployment.metadata, namespace: 'default', generation: 2 };
  deployment.status = {
    ...fixture('deployment-ready.json').status,
    observedGeneration: 2,
    replicas: 4,
    readyReplicas: 4,
    availableReplicas: 4,
    updatedReplicas: 4,
  };
  // Our Service as the API server stores it: the clusterIP, nodePort and status of service-nodeport.json.
  const service = template('week-05/service.yaml', {});
  const captured = fixture('service-nodeport.json');
  service.metadata.namespace = 'default';
  service.spec.clusterIP = captured.spec.clusterIP;
  service.spec.ports[0].nodePort = captured.spec.ports[0].nodePort;
  service.status = captured.status;
  const pods = [0, 1, 2, 3].map(runningPod);
  return {
    objects: [...fixtureItems('nodes-gpu-rke2-kubectl.json', 'Node'), deployment, service, ...pods],
    // kubectl port-forward to a Service picks one pod: that one logs the /predict request (uvicorn's live
    // log); the others only answer their readiness probe (GET /docs).
    logs: {
      [pods[0].metadata.name]: () => readFileSync(uvicornLog, 'utf8'),
      ...Object.fromEntries(pods.slice(1).map((p: Json) => [p.metadata.name, probedLog])),
    },
    minikube: {
      status: MINIKUBE_RUNNING,
      images: ['registry.k8s.io/pause:3.10', 'docker.io/library/ai-model:latest'],
    },
  };
}

const ERR_IMAGE_PULL_POD = 'no-image-deployment-849c4c4958-rxqmt';
const IMAGE_PULL_BACK_OFF_POD = 'guestbook-ui-errimagepullbackoff-66cfffb669-45w2j';

function brokenCluster(): Cluster {
  // The course's manifest: no imagePullPolicy, which the API server stores as Always for a :latest
  // image, so the kubelet pulls ai-model:latest from Docker Hub. Its status is the real one of a rollout
  // stuck half-way (deployment-rolling-out.json: 1 of 2 ready, the new replica unavailable).
  const deployment = template('week-05/deployment.yaml', { replicas: '2' });
  deployment.spec.template.spec.containers[0].imagePullPolicy = 'Always';
  const stuck = fixture('deployment-rolling-out.json');
  deployment.metadata = {
    ...deployment.metadata,
    namespace: 'default',
    generation: stuck.metadata.generation,
  };
  deployment.status = stuck.status;
  // The new replicas cannot pull the image: the real ErrImagePull and ImagePullBackOff pods (no real
  // list has them beside a Running pod, so the list is built here, as SOURCES.md says), with the real
  // events of the ErrImagePull pod. Upstream renamed their namespace (their messages still say default/):
  // moved back to default, and labelled as our pods.
  const toDefault = (o: Json) => ({ ...o, metadata: { ...o.metadata, namespace: 'default' } });
  const ours = (pod: Json) => ({
    ...pod,
    metadata: { ...pod.metadata, namespace: 'default', labels: { app: 'ai-model' } },
  });
  const pods = [
    ...fixtureItems('pods-errimagepull.json', 'Pod').map(ours),
    ...fixtureItems('pod-imagepullbackoff.json').map(ours),
    runningPod(0),
  ];
  const events = fixtureItems('events-imagepull-gpu-scheduling.json', 'Event').map((e) => ({
    ...toDefault(e),
    involvedObject: { ...e.involvedObject, namespace: 'default' },
  }));
  // Our Service without `type: NodePort`: the API server stores the default, ClusterIP, and no nodePort.
  const service = template('week-05/service.yaml', {});
  service.metadata.namespace = 'default';
  service.spec.type = 'ClusterIP';
  service.spec.clusterIP = fixture('service-nodeport.json').spec.clusterIP;
  return {
    objects: [...fixtureItems('nodes-aks-kubectl.json', 'Node'), deployment, service, ...pods, ...events],
    // The pods that cannot start have no log; the Running one has a real log that is not uvicorn's.
    logs: { [pods[2].metadata.name]: readFileSync(join(K8S_FIXTURES, 'pod-log-nginx.txt'), 'utf8') },
    minikube: { status: MINIKUBE_RUNNING, images: ['registry.k8s.io/pause:3.10'] },
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
  probedLog = readFileSync(uvicornLog, 'utf8');
}, 60_000);

afterAll(() => {
  killQuietly(uvicorn?.pid);
  removeTempDirs();
});

describe('the lab grades the cluster with kubernetes checks', () => {
  it('reads the cluster state from the API, and keeps only the checks about commands as commands', () => {
    const checks = [...lab.steps.flatMap((s) => s.expect), ...lab.verify];
    const commands = checks.filter((c) => c.type === 'command').map((c) => String(c.options.run));
    // No kubectl get … -o jsonpath, no kubectl logs: the cluster's state is read by the module.
    expect(commands.filter((run) => /kubectl|minikube/.test(run))).toEqual([
      'minikube status -o json',
      'minikube image ls',
      'kubectl rollout status deployment/ai-model-deployment --timeout=300s',
      'minikube image ls',
    ]);
    const kube = checks.filter((c) => c.type === 'kubernetes').map((c) => c.id);
    expect(kube).toEqual([
      'start-1',
      'deploy-2',
      'deploy-3',
      'service-1',
      'scale-1',
      'scale-2',
      'logs-1',
      'node-ready',
      'pull-policy',
      'scaled',
      'pods',
      'service',
      'logs',
    ]);
  });
});

describe('week-05 checks against a healthy cluster built from real API objects', () => {
  let graded: Graded;
  const check = (id: string) => graded.checks.get(id);

  beforeAll(async () => {
    graded = await checkAgainst(healthyCluster(), apiPort);
  }, 60_000);

  it('passes every check of the lab', () => {
    const notPassed = [...graded.checks.values()].filter((c) => c.status !== 'pass');
    expect(notPassed.map((c) => `${c.id} ${c.title}: ${c.message}\n${c.details ?? ''}`)).toEqual([]);
    expect(graded.checks.size).toBe(lab.steps.flatMap((s) => s.expect).length + lab.verify.length);
  });

  it('read the facts the course asks for: 1 ready node, 4 ready replicas, 4 Running pods, a NodePort in range', () => {
    expect(check('start-1')?.title).toBe('You should see 1 ready node');
    expect(check('start-1')?.observed).toBe('ready nodes: 1');
    expect(check('scaled')?.title).toBe('The Deployment runs 4 ready replicas');
    expect(check('scaled')?.observed).toMatch(/ready replicas: 4/);
    expect(check('pods')?.observed).toBe('running pods: 4');
    expect(check('service')?.observed).toMatch(/service type: NodePort; node port: 30692/);
  });

  it('read them from the API server, and ran kubectl only for rollout status', () => {
    expect(graded.requests).toEqual(
      expect.arrayContaining([
        '/api/v1/nodes',
        '/apis/apps/v1/namespaces/default/deployments/ai-model-deployment',
        '/api/v1/namespaces/default/pods?labelSelector=app%3Dai-model',
        '/api/v1/namespaces/default/services/ai-model-service',
        '/api/v1/namespaces/default/pods/ai-model-deployment-7986654d4-0abcd/log?tailLines=5000',
      ]),
    );
    expect(graded.calls.filter((c) => c.startsWith('kubectl'))).toEqual([
      'kubectl rollout status deployment/ai-model-deployment --timeout=300s',
    ]);
  });

  it('saw the real /predict request in the pod logs the API server gave', () => {
    expect(readFileSync(uvicornLog, 'utf8')).toMatch(/"POST \/predict HTTP\/1\.1" 200/);
    expect(probedLog).not.toMatch(/POST \/predict/);
    for (const id of ['logs-1', 'logs']) expect(check(id)?.status, id).toBe('pass');
  });
});

describe("week-05 checks against the course's mistakes, as captured from real clusters", () => {
  let graded: Graded;
  const check = (id: string) => graded.checks.get(id);

  beforeAll(async () => {
    graded = await checkAgainst(brokenCluster(), await freePort());
  }, 60_000);

  it('fails what is broken', () => {
    const status = (id: string) => check(id)?.status;
    expect(status('node-ready')).toBe('pass'); // three Ready AKS nodes
    expect(check('node-ready')?.observed).toBe('ready nodes: 3');
    for (const id of ['image', 'pull-policy', 'scaled', 'pods', 'service', 'docs', 'predict', 'logs'])
      expect(status(id), id).toBe('fail');
    for (const id of ['deploy-1', 'deploy-2', 'deploy-3', 'service-1', 'scale-1', 'scale-2', 'logs-1'])
      expect(status(id), id).toBe('fail');
    // kubectl rollout status, judging the real stuck Deployment as kubectl does.
    expect(check('deploy-1')?.details).toMatch(/1 out of 2 new replicas have been updated/);
    expect(check('pull-policy')?.hint).toMatch(/ErrImagePull/);
  });

  it('says what it saw: ready replicas below the scaled count, the Deployment status and the failing pod', () => {
    const scaled = check('scaled');
    expect(scaled?.message).toBe(
      'Deployment default/ai-model-deployment spec.replicas is 2, expected 4 (and 1 more)',
    );
    expect(scaled?.observed).toMatch(/ready replicas: 1$/);
    expect(scaled?.details).toContain('Deployment default/ai-model-deployment status:');
    expect(scaled?.details).toMatch(/"unavailableReplicas": 1/);
    expect(scaled?.details).toContain('ReplicaSetUpdated');
    // The log tail of the first pod that is not Running: one that cannot pull its image has no log.
    expect(scaled?.details).toContain(`last log lines of pod default/${ERR_IMAGE_PULL_POD} (ErrImagePull):`);
    expect(check('deploy-2')?.message).toMatch(/^ready replicas 1, expected >= 2/);
  });

  it('names the pods that are not Running, with their status and real events', () => {
    const pods = check('pods');
    expect(pods?.message).toBe('running pods 1, expected >= 4');
    expect(pods?.details).toContain(`Pod default/${ERR_IMAGE_PULL_POD} status:`);
    expect(pods?.details).toContain(`Pod default/${IMAGE_PULL_BACK_OFF_POD} status:`);
    expect(pods?.details).toContain('"reason": "ImagePullBackOff"');
    expect(pods?.details).toContain(`last events of Pod default/${ERR_IMAGE_PULL_POD}:`);
    expect(pods?.details).toMatch(
      /Warning Failed Pod\/no-image-deployment-849c4c4958-rxqmt: Error: ImagePullBackOff/,
    );
  });

  it('sees the imagePullPolicy the API server defaulted, and a ClusterIP Service', () => {
    expect(check('pull-policy')?.message).toMatch(
      /containers\[0\] is none in the list, expected an item like \{"imagePullPolicy":"!= Always"\}/,
    );
    expect(check('service')?.message).toBe('service type ClusterIP, expected NodePort (and 1 more)');
    expect(check('service')?.observed).toMatch(/node port: none/);
  });

  it('reads the logs of the pods and finds no uvicorn in them', () => {
    expect(check('logs')?.message).toMatch(/logs .*Uvicorn running on/);
    expect(check('logs')?.observed).toMatch(/docker-entrypoint/);
  });
});

describe('week-05 checks when minikube is stopped (nothing answers at the kubeconfig server)', () => {
  it('fails the cluster checks with the reason, not a stack trace', async () => {
    const closed = `https://127.0.0.1:${await freePort()}`;
    const graded = await checkAgainst(healthyCluster(), await freePort(), closed);
    const node = graded.checks.get('node-ready');
    expect(node?.status).toBe('fail');
    expect(node?.message).toMatch(
      /^connection refused: no API server answers at .*context minikube.*minikube status/,
    );
  }, 60_000);
});
