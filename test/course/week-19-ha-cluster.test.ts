// Week 19 (Build a HA AI Inference Cluster).
//
// Real here: the local path (cluster=local) through the real `ailab` CLI. Week 13's main.py is served by
// Debian's uvicorn under /usr/bin/python3 as three replicas (ha-1..3, replicas.sh with RESTART=1: a
// replica that dies is started again, as a Deployment recreates a pod), behind Debian's nginx when it is
// installed, else the stand-in proxy of fixtures-w13/fake-nginx.mjs reading the lab's nginx.conf (the
// test says which). The lab's own checks see all three replicas answer through the load balancer, no
// failed request while ha-1 is killed, and ha-1 back with a new pid; the MTTR is printed.
//
// Stand-ins: the cluster checks (2+ ready nodes, namespace, 3 ready replicas with the probes, Running
// pods, LoadBalancer address, HPA, PDB, spread) run in-process against the stand-in API server
// (test/helpers/kube-api.ts), serving this lab's manifests (k8s/*.yaml) with real recorded statuses of
// ../shared/fixtures/kubernetes: the real AKS nodes, a real Deployment status (deployment-ready.json)
// scaled to 3, copies of a real Running pod, the real metrics-server Deployment, the real LoadBalancer
// status of k3s's traefik. Derived (no fixture has them): the Namespace status, the PDB status
// (currentHealthy/disruptionsAllowed as the disruption controller computes them), /apis/policy/v1's
// resource list, and a healthy HPA status. The broken cluster is the course's version: the required
// anti-affinity on 2 nodes (the real Pending, Unschedulable pod of pods-pending-gpu.json, its message
// kept as captured, is the third replica; 2 of 3 ready), a LoadBalancer left pending, and the real HPA
// of a cluster without metrics-server. Docker, kind/minikube and a cloud are not run.
import { readFileSync } from 'node:fs';
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
import { fixture, fixtureItems, type Json, startKubeApi, writeKubeconfig } from '../helpers/kube-api.js';
import { freePort, isPortOpen } from '../helpers/net.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  DEBIAN_PYTHON,
  ensureBundle,
  type LabRun,
  problems,
  ROOT,
  runLabCli,
  step,
  stepCheck,
  verifyCheck,
} from './fixtures-w01-05/ailab-cli.js';
import { nginxPath } from './fixtures-w13/nginx.js';

const facts = (text: string | undefined) =>
  Object.fromEntries([...(text ?? '').matchAll(/(\w+)=(\S+)/g)].map(([, k, v]) => [k, v]));

describe('week-19 on this machine: three self-healing replicas behind nginx (cluster=local)', () => {
  let run: LabRun;
  let ports: Record<string, number>;

  beforeAll(async () => {
    ensureBundle();
    const nginx = nginxPath();
    ports = {
      port: await freePort(),
      replica_port_1: await freePort(),
      replica_port_2: await freePort(),
      replica_port_3: await freePort(),
    };
    run = await runLabCli('week-19', {
      sets: { cluster: 'local', python: DEBIAN_PYTHON, chaos_seconds: 6, ...ports },
      env: { PATH: nginx.path },
    });
    console.info(`week-19: the load balancer was ${nginx.real ? "Debian's nginx" : 'the stand-in nginx'}`);
  }, 90_000);

  afterAll(removeTempDirs);

  it('runs the local path and grades 100 %; the cluster steps are skipped', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of ['image', 'namespace', 'deployment', 'service', 'hpa', 'pdb'])
      expect(step(run.result, id).status, id).toBe('skip');
    expect(run.result.score).toMatchObject({ earned: 9, possible: 9, passed: true });
  });

  it('saw all three replicas answer through the load balancer', () => {
    const seen = facts(stepCheck(run.result, 'validation', /by at least 2 different pods/).observed);
    expect(seen).toMatchObject({ requests: '30', ok: '30', backends: '3' });
    expect(step(run.result, 'validation').outputTail).toMatch(/pods: ha-1, ha-2, ha-3/);
  });

  it('lost no request while ha-1 was killed, and ha-1 came back with a new pid', () => {
    const workDir = run.result.workDir!;
    expect(facts(readFileSync(join(workDir, 'chaos.txt'), 'utf8'))).toMatchObject({
      errors: '0',
      success_pct: '100.0',
    });
    const starts = readFileSync(join(workDir, 'logs', 'ha-1.starts'), 'utf8')
      .trim()
      .split('\n');
    expect(starts).toHaveLength(2);
    expect(starts[0].split(' ')[1]).not.toBe(starts[1].split(' ')[1]);
    const mttr = Number(facts(readFileSync(join(workDir, 'mttr.txt'), 'utf8')).mttr_s);
    expect(mttr).toBeGreaterThan(0);
    expect(mttr).toBeLessThan(30);
    expect(verifyCheck(run.result, 'healed').status).toBe('pass');
  });

  it('stopped every replica (and its restart loop) and the load balancer at cleanup', async () => {
    expect(run.result.cleanup.every((c) => c.status === 'pass')).toBe(true);
    for (const port of Object.values(ports)) expect(await isPortOpen(port), String(port)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// The cluster paths: the lab's kubernetes checks against the stand-in API server.

let lab: Lab;
const manifest = (file: string): Json =>
  parse(
    interpolate(
      readFileSync(join(ROOT, 'templates', 'week-19', 'k8s', file), 'utf8'),
      { image: 'ha-inference:1.0' },
      'raw',
    ),
  );

function pod(i: number): Json {
  const p = structuredClone(fixtureItems('pods-running-k3s-default.json', 'Pod')[0]);
  p.metadata = {
    ...p.metadata,
    name: `ha-inference-6d8f9b7c5-${i}wxyz`,
    namespace: 'ai-ha',
    labels: { app: 'ha-inference' },
  };
  // The real pod restarted 25 times (a long-lived k3s pod); a fresh replica has not.
  for (const s of p.status.containerStatuses) s.restartCount = 0;
  return p;
}

function cluster(course: boolean): Json[] {
  const deployment = manifest('deployment.yaml');
  if (course) {
    // The course's step 6 as written: required anti-affinity, no spread constraints.
    delete deployment.spec.template.spec.topologySpreadConstraints;
    deployment.spec.template.spec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['ha-inference'] }] },
            topologyKey: 'kubernetes.io/hostname',
          },
        ],
      },
    };
  }
  const ready = course ? 2 : 3;
  deployment.metadata.generation = 1;
  deployment.status = {
    ...fixture('deployment-ready.json').status,
    observedGeneration: 1,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: ready,
    availableReplicas: ready,
    ...(course && { unavailableReplicas: 1 }),
  };
  const service = manifest('service.yaml');
  service.spec.clusterIP = fixture('service-nodeport.json').spec.clusterIP;
  service.status = course
    ? { loadBalancer: {} }
    : fixtureItems('services-k3s-kube-system.json', 'Service').find((s) => s.metadata.name === 'traefik')
        .status;
  const hpa = manifest('hpa.yaml');
  const captured = fixture('hpa-v2-metrics-unavailable.json').status;
  hpa.status = course
    ? captured
    : {
        ...captured,
        conditions: [
          captured.conditions[0],
          { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
        ],
        currentReplicas: 3,
        desiredReplicas: 3,
      };
  const pdb = manifest('pdb.yaml');
  pdb.status = {
    currentHealthy: ready,
    desiredHealthy: 2,
    disruptionsAllowed: ready - 2,
    expectedPods: 3,
    observedGeneration: 1,
  };
  const pods = [pod(0), pod(1)];
  if (course) {
    const pending = fixtureItems('pods-pending-gpu.json', 'Pod')[0];
    pending.metadata = { ...pending.metadata, namespace: 'ai-ha', labels: { app: 'ha-inference' } };
    pods.push(pending);
  } else pods.push(pod(2));
  const nodes = fixtureItems('nodes-aks-kubectl.json', 'Node').slice(0, course ? 2 : 3);
  return [
    { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'ai-ha' }, status: { phase: 'Active' } },
    deployment,
    service,
    hpa,
    pdb,
    ...pods,
    ...nodes,
    ...fixtureItems('deployments-ready-k3s.json', 'Deployment').filter(
      (d) => d.metadata.name === 'metrics-server',
    ),
  ];
}

async function gradeCluster(objects: Json[]): Promise<Map<string, CheckResult>> {
  const api = await startKubeApi({ objects });
  const dir = makeTempDir('ailab-w19-kube-');
  vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: api.url, context: 'kind-ha' }));
  vi.stubEnv('AILAB_KUBE_CONTEXT', '');
  try {
    const { values } = await resolveValues(lab, { sets: ['cluster=kind'] });
    const checks = [...lab.steps.flatMap((s) => s.expect), ...lab.verify]
      .filter((c) => c.type === 'kubernetes')
      .map((c) => ({ ...c, withinMs: 0 }));
    const result = await runLab(
      { ...lab, requires: { ...lab.requires, commands: [] }, verify: checks },
      {
        target: new LocalTarget(),
        mode: 'verify',
        values,
        workDir: dir,
        signal: new AbortController().signal,
        version: 'test',
      },
    );
    return new Map(result.verify.map((c) => [c.id, c]));
  } finally {
    vi.unstubAllEnvs();
    await api.close();
  }
}

describe('week-19 cluster checks against the stand-in API server', () => {
  beforeAll(async () => {
    lab = await loadLab(join(ROOT, 'labs', 'week-19.yaml'));
  });

  it('passes on a healthy 3-node cluster built from real objects', async () => {
    const graded = await gradeCluster(cluster(false));
    const notPassed = [...graded.values()].filter((c) => c.status !== 'pass');
    expect(notPassed.map((c) => `${c.id} ${c.title}: ${c.message}`)).toEqual([]);
    expect(graded.get('pdb')?.status).toBe('pass');
    expect(graded.get('nodes')?.observed).toBe('ready nodes: 3');
  }, 30_000);

  it("fails the course's version: required anti-affinity on 2 nodes, LB pending, no metrics", async () => {
    const graded = await gradeCluster(cluster(true));
    const failed = [...graded.values()].filter((c) => c.status === 'fail').map((c) => c.id);
    expect(failed.sort()).toEqual(
      [
        'deployment-1',
        'deployment-2',
        'service-1',
        'hpa-2',
        'pdb-1',
        'chaos-3',
        'replicas',
        'pods',
        'lb',
        'hpa-metrics',
        'pdb',
        'spread',
      ].sort(),
    );
    expect(graded.get('replicas')?.message).toMatch(/ready replicas 2, expected >= 3/);
    // The Deployment's details name the pod that is not Running (the Pending third replica).
    expect(graded.get('replicas')?.details).toMatch(/"unavailableReplicas": 1/);
    expect(graded.get('replicas')?.details).toMatch(
      /last log lines of pod ai-ha\/pending-pod-resources-5fddcf7688-djjfc \(Pending\)/,
    );
    expect(graded.get('pods')?.message).toBe('running pods 2, expected >= 3');
    expect(graded.get('spread')?.hint).toMatch(/required anti-affinity/);
    expect(graded.get('hpa-metrics')?.details).toMatch(/FailedGetResourceMetric/);
    expect(graded.get('pdb')?.message).toMatch(/disruptionsAllowed|currentHealthy/);
    for (const id of ['nodes', 'namespace', 'hpa']) expect(graded.get(id)?.status, id).toBe('pass');
  }, 30_000);
});
