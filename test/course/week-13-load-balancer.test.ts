// Week 13 (Configure Load Balancer for AI API).
//
// Real here: the local path (cluster=local) through the real `ailab` CLI. main.py is served by Debian's
// uvicorn under /usr/bin/python3 as three replicas (stable-1, stable-2, canary-1, replicas.sh); openssl
// makes the certificate; the lab's own checks (http checks, and command checks running lbprobe.py and
// curl --resolve --cacert) go through the load balancer and see the answers spread over the replicas,
// about 10 % from the canary, HTTPS with the generated certificate, 429s in a burst, and no failed
// request while a replica is killed. The load balancer is Debian's nginx when it is installed; when it
// is not (CI installs no nginx today), a stand-in proxy that reads the same nginx.conf
// (fixtures-w13/fake-nginx.mjs: round-robin, passive health with retry, split_clients, limit_req, TLS).
// The test says which one ran.
//
// Stand-ins: the kubernetes path's cluster checks (ready node, ingress-nginx, metrics-server, the
// Deployments, Services, TLS secret, Ingresses, HPA) run in-process against the stand-in API server
// (test/helpers/kube-api.ts). Its objects are this lab's manifest with real recorded statuses from
// ../shared/fixtures/kubernetes: a real Deployment status (deployment-ready.json, scaled to the
// replicas), real nodes, the real metrics-server Deployment of a k3s cluster, a real Running pod
// relabelled as ingress-nginx's controller, and the real LoadBalancer status of k3s's traefik Service
// (172.19.0.2) for inference-lb and the Ingresses. Derived, not recorded (no such fixture exists): the
// Secret inference-tls (our certificate, base64) and a healthy HPA status (ScalingActive True). The broken
// cluster has the real HPA of a cluster without metrics-server (hpa-v2-metrics-unavailable.json), a
// LoadBalancer left pending (status {loadBalancer: {}}, as the real ClusterIP entries have it) and no TLS
// secret. A real cluster, ingress-nginx, a cloud LB and Envoy are not run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
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
  ailab,
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

describe('week-13 on this machine: three replicas behind nginx (cluster=local)', () => {
  let run: LabRun;
  let ports: Record<string, number>;
  let nginx: { real: boolean; path: string };

  beforeAll(async () => {
    ensureBundle();
    nginx = nginxPath();
    ports = {
      port: await freePort(),
      https_port: await freePort(),
      stable_port_1: await freePort(),
      stable_port_2: await freePort(),
      canary_port: await freePort(),
    };
    run = await runLabCli('week-13', {
      sets: { cluster: 'local', python: DEBIAN_PYTHON, load_seconds: 2, drill_seconds: 5, ...ports },
      env: { PATH: nginx.path },
    });
    console.info(`week-13: the load balancer was ${nginx.real ? "Debian's nginx" : 'the stand-in nginx'}`);
  }, 90_000);

  afterAll(removeTempDirs);

  it('runs every step of the local path and grades 100 %', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of ['deploy', 'port-forward', 'test-l4', 'hpa'])
      expect(step(run.result, id).status, id).toBe('skip');
    for (const id of ['prerequisites', 'certs', 'replicas', 'load-balancer', 'test-local', 'front-door'])
      expect(step(run.result, id).status, id).toBe('pass');
    expect(run.result.score).toMatchObject({ earned: 17, possible: 17, passed: true });
  });

  it('spread the requests over all three replicas, about 10 % to the canary', () => {
    const spread = facts(stepCheck(run.result, 'spread', /reach at least 2 replicas/).observed);
    expect(spread).toMatchObject({ requests: '40', ok: '40', backends: '3' });
    const share = facts(verifyCheck(run.result, 'canary-share').observed);
    expect(Number(share.canary_pct)).toBeGreaterThanOrEqual(3);
    expect(Number(share.canary_pct)).toBeLessThanOrEqual(20);
    expect(step(run.result, 'canary').outputTail).toMatch(/pods: canary-1, stable-1, stable-2/);
  });

  it('went through TLS with the certificate it made for api.example.com', () => {
    const workDir = run.result.workDir!;
    const san = execFileSync('openssl', [
      'x509',
      '-in',
      join(workDir, 'server.crt'),
      '-noout',
      '-ext',
      'subjectAltName',
    ]);
    expect(san.toString()).toContain('DNS:api.example.com');
    expect(readFileSync(join(workDir, 'front.env'), 'utf8')).toBe(
      `FRONT=https://api.example.com:${ports.https_port}\nRESOLVE=api.example.com:${ports.https_port}:127.0.0.1\n`,
    );
    expect(verifyCheck(run.result, 'https-echo').status).toBe('pass');
  });

  it('refused part of a burst with 429, and lost no request while stable-1 was killed', () => {
    const burst = facts(verifyCheck(run.result, 'rate-limit').observed);
    expect(burst.statuses).toMatch(/^200:\d+,429:\d+$/);
    const drill = readFileSync(join(run.result.workDir!, 'drill.txt'), 'utf8');
    expect(facts(drill)).toMatchObject({ errors: '0', success_pct: '100.0' });
    expect(step(run.result, 'failure-drill').outputTail).toMatch(/killed stable-1 \(pid \d+\)/);
  });

  it('stopped the replicas and the load balancer at cleanup', async () => {
    expect(run.result.cleanup.map((c) => [c.id, c.status])).toEqual([
      ['stop-load-balancer', 'pass'],
      ['stop-replicas', 'pass'],
    ]);
    for (const port of Object.values(ports)) expect(await isPortOpen(port), String(port)).toBe(false);
  });
});

describe('week-13 verify with nothing running', () => {
  it('fails the required checks with the reason (connection refused), exit 1', async () => {
    const dir = makeTempDir('ailab-w13-empty-');
    const port = await freePort();
    const out = await ailab(
      [
        'verify',
        join(ROOT, 'labs', 'week-13.yaml'),
        '--json',
        '--workdir',
        dir,
        '--set',
        'cluster=local',
        '--set',
        `port=${port}`,
        '--set',
        `python=${DEBIAN_PYTHON}`,
      ],
      { PATH: nginxPath().path },
    );
    expect(out.code).toBe(1);
    const result = JSON.parse(out.stdout);
    const byId = new Map<string, CheckResult>(result.verify.map((c: CheckResult) => [c.id, c]));
    expect(byId.get('healthz')?.status).toBe('fail');
    expect(byId.get('healthz')?.message).toMatch(/connection refused/i);
    expect(byId.get('https')?.status).toBe('fail');
    expect(byId.get('drill')?.message).toMatch(/drill\.txt does not exist/);
    expect(result.score.passed).toBe(false);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------
// The kubernetes path: the lab's cluster checks against the stand-in API server.

let lab: Lab;
const MANIFEST = () =>
  parseAllDocuments(
    interpolate(
      readFileSync(join(ROOT, 'templates', 'week-13', 'lab91_k8s_inference_fastapi.yaml'), 'utf8'),
      {
        image: 'python:3.11-slim',
        rate_limit: '100',
        burst_multiplier: '2',
        host: 'api.example.com',
        canary_weight: '10',
      },
      'raw',
    ),
  ).map((d) => d.toJS() as Json);

const TRAEFIK_LB = () =>
  fixtureItems('services-k3s-kube-system.json', 'Service').find((s) => s.metadata.name === 'traefik').status;

function readyStatus(replicas: number): Json {
  return {
    ...fixture('deployment-ready.json').status,
    observedGeneration: 1,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    updatedReplicas: replicas,
  };
}

function cluster(broken: boolean): Json[] {
  const objects: Json[] = [];
  for (const o of MANIFEST()) {
    o.metadata.generation = 1;
    if (o.kind === 'Deployment') o.status = readyStatus(o.spec.replicas);
    if (o.kind === 'Service') {
      o.spec.clusterIP = fixture('service-nodeport.json').spec.clusterIP;
      // A LoadBalancer with no implementation stays pending: an empty loadBalancer status.
      o.status = o.spec.type === 'LoadBalancer' && !broken ? TRAEFIK_LB() : { loadBalancer: {} };
    }
    if (o.kind === 'Ingress') o.status = TRAEFIK_LB();
    if (o.kind === 'HorizontalPodAutoscaler')
      o.status = broken
        ? fixture('hpa-v2-metrics-unavailable.json').status
        : {
            // Derived: the real AbleToScale condition, and ScalingActive turned True as metrics-server makes it.
            ...fixture('hpa-v2-metrics-unavailable.json').status,
            conditions: [
              fixture('hpa-v2-metrics-unavailable.json').status.conditions[0],
              {
                type: 'ScalingActive',
                status: 'True',
                reason: 'ValidMetricFound',
                message:
                  'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
              },
            ],
            currentReplicas: 2,
            desiredReplicas: 2,
          };
    objects.push(o);
  }
  if (!broken) {
    const crt = Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64');
    objects.push({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'inference-tls', namespace: 'ai' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': crt, 'tls.key': crt },
    });
  }
  const controller = structuredClone(fixtureItems('pods-running-k3s-default.json', 'Pod')[0]);
  controller.metadata = {
    ...controller.metadata,
    name: 'ingress-nginx-controller-5b9f7c6d8-x2x7q',
    namespace: 'ingress-nginx',
    labels: { 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/name': 'ingress-nginx' },
  };
  objects.push(controller);
  objects.push(
    ...fixtureItems('deployments-ready-k3s.json', 'Deployment').filter(
      (d) => d.metadata.name === 'metrics-server',
    ),
  );
  objects.push(...fixtureItems('nodes-gpu-rke2-kubectl.json', 'Node'));
  return objects;
}

async function gradeCluster(objects: Json[]): Promise<Map<string, CheckResult>> {
  const api = await startKubeApi({ objects });
  const dir = makeTempDir('ailab-w13-kube-');
  vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: api.url, context: 'stand-in' }));
  vi.stubEnv('AILAB_KUBE_CONTEXT', '');
  try {
    const { values } = await resolveValues(lab, { sets: ['cluster=kubernetes'] });
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

describe('week-13 cluster checks (kubernetes path) against the stand-in API server', () => {
  beforeAll(async () => {
    lab = await loadLab(join(ROOT, 'labs', 'week-13.yaml'));
  });

  it('reads every cluster fact with kubernetes checks, none with kubectl jsonpath', () => {
    const checks = [...lab.steps.flatMap((s) => s.expect), ...lab.verify];
    const commands = checks.filter((c) => c.type === 'command').map((c) => String(c.options.run));
    // The only kubectl in a check reads the L4 address to curl it.
    expect(commands.filter((r) => /kubectl/.test(r))).toHaveLength(1);
    expect(checks.filter((c) => c.type === 'kubernetes').length).toBeGreaterThanOrEqual(20);
  });

  it('passes on a healthy cluster built from real objects', async () => {
    const graded = await gradeCluster(cluster(false));
    const notPassed = [...graded.values()].filter((c) => c.status !== 'pass');
    expect(notPassed.map((c) => `${c.id} ${c.title}: ${c.message}`)).toEqual([]);
  }, 30_000);

  it('fails a pending LoadBalancer, an HPA without metrics-server and a missing TLS secret, saying why', async () => {
    const graded = await gradeCluster(cluster(true));
    const failed = [...graded.values()].filter((c) => c.status === 'fail').map((c) => c.id);
    expect(failed.sort()).toEqual(
      ['hpa-metrics', 'hpa-2', 'l4', 'test-l4-1', 'tls-secret', 'deploy-4'].sort(),
    );
    expect(graded.get('tls-secret')?.message).toMatch(/not found/);
    expect(graded.get('l4')?.message).toMatch(/loadBalancer/);
    expect(graded.get('hpa-metrics')?.details).toMatch(/FailedGetResourceMetric/);
    expect(graded.get('hpa-metrics')?.hint).toMatch(/metrics-server/);
    for (const id of ['stable-ready', 'canary-ready', 'ingress', 'canary-ingress', 'hpa', 'clusterip'])
      expect(graded.get(id)?.status, id).toBe('pass');
  }, 30_000);
});
