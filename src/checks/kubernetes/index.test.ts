// The kubernetes check against the stand-in API server (test/helpers/kube-api.ts), which serves the
// real recorded objects of ../shared/fixtures/kubernetes: every short form, partial matching, discovery
// of a CRD, polling-friendly behaviour, the failure details, and each diagnosis.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeCheckContext, removeCheckContexts } from '../../../test/helpers/check-context.js';
import {
  fixture,
  fixtureItems,
  type Json,
  K8S_FIXTURES,
  type KubeApi,
  makeCa,
  startKubeApi,
  writeKubeconfig,
} from '../../../test/helpers/kube-api.js';
import { freePort } from '../../../test/helpers/net.js';
import { makeTempDir, removeTempDirs } from '../../../test/helpers/temp-dirs.js';
import { check } from './index.js';

const NGINX_POD = 'nginx-deployment-7986654d4-ztx2g';

/** A healthy cluster built from the recorded objects (each keeps its recorded namespace). */
export function healthyObjects(): Json[] {
  return [
    ...fixtureItems('deployment-ready.json'),
    ...fixtureItems('pods-running-k3s-default.json', 'Pod'),
    ...fixtureItems('pods-running-k3s.json', 'Pod'),
    ...fixtureItems('service-nodeport.json'),
    ...fixtureItems('nodes-gpu.json', 'Node'),
    ...fixtureItems('hpa-v2-metrics-unavailable.json'),
    ...fixtureItems('servicemonitor.json'),
    // Upstream renamed these events' namespace apart from their pod's; moved back beside init-demo here.
    ...fixtureItems('events-crashloop.json', 'Event').map((e) => ({
      ...e,
      metadata: { ...e.metadata, namespace: 'message-pod-crashloop-backoff' },
    })),
    ...fixtureItems('pods-crashloop.json', 'Pod'),
  ];
}

const LOGS = { [NGINX_POD]: readFileSync(join(K8S_FIXTURES, 'pod-log-nginx.txt'), 'utf8') };

let api: KubeApi;
let dir: string;

beforeAll(async () => {
  api = await startKubeApi({ objects: healthyObjects(), logs: LOGS });
  dir = makeTempDir('ailab-kube-');
  vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: api.url, namespace: 'default' }));
});
afterAll(async () => {
  await api.close();
  vi.unstubAllEnvs();
  removeCheckContexts();
  removeTempDirs();
});

const run = (options: Record<string, unknown>) => check.run(makeCheckContext(), check.schema.parse(options));

describe('kubernetes check: short forms', () => {
  it('deployment ready replicas', async () => {
    const ok = await run({ name: 'icx-db', namespace: 'icx', ready_replicas: 1 });
    expect(ok.status, ok.message).toBe('pass');
    expect(ok.facts?.ready_replicas).toBe(1);
    const bad = await run({ name: 'icx-db', namespace: 'icx', ready_replicas: 4 });
    expect(bad.status).toBe('fail');
    expect(bad.message).toBe('ready replicas 1, expected 4');
    // The failure carries the object's status.
    expect(bad.details).toContain('Deployment icx/icx-db status:');
    expect(bad.details).toContain('MinimumReplicasAvailable');
  });

  it('pods Running by selector, as a count and as "every pod"', async () => {
    expect((await run({ selector: { app: 'nginx' }, running: true })).status).toBe('pass');
    expect((await run({ selector: 'app=nginx', running: 1 })).status).toBe('pass');
    // kube-system: 5 Running pods and 2 Succeeded helm-install jobs.
    const count = await run({ namespace: 'kube-system', running: '>= 5' });
    expect(count.status, count.message).toBe('pass');
    expect(count.facts?.running).toBe(5);
    const all = await run({ namespace: 'kube-system', running: true });
    expect(all.status).toBe('fail');
    expect(all.message).toMatch(/^pod helm-install-traefik-crd-q2ndn: Succeeded, expected Running/);
  });

  it('a CrashLoopBackOff pod is not Running, and its details carry its events and last log lines', async () => {
    const outcome = await run({ kind: 'Pod', namespace: 'message-pod-crashloop-backoff', running: true });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('CrashLoopBackOff');
    expect(outcome.details).toContain('last events of Pod message-pod-crashloop-backoff/init-demo');
    expect(outcome.details).toContain('BackOff');
    expect(outcome.details).toContain(
      'last log lines of pod message-pod-crashloop-backoff/init-demo (CrashLoopBackOff)',
    );
  });

  it('details name the failing pod first, wherever the list has it', async () => {
    // Derived: the recorded CrashLoopBackOff pod moved beside two Running ones (the nginx pod recorded
    // on k3s, and a copy of it) under one label, listed last.
    const nginx = fixtureItems('pods-running-k3s-default.json', 'Pod')[0];
    const crash = fixtureItems('pods-crashloop.json', 'Pod')[0];
    const mixed = await startKubeApi({
      objects: [
        nginx,
        { ...nginx, metadata: { ...nginx.metadata, name: `${nginx.metadata.name}-2` } },
        { ...crash, metadata: { ...crash.metadata, namespace: 'default', labels: { app: 'nginx' } } },
      ],
    });
    vi.stubEnv('KUBECONFIG', writeKubeconfig(makeTempDir('ailab-kube-'), { server: mixed.url }));
    try {
      const outcome = await run({ selector: 'app=nginx', running: '>= 3' });
      expect(outcome.status).toBe('fail');
      expect(outcome.details).toMatch(/^Pod default\/init-demo status:/);
      expect(outcome.details).toContain('last log lines of pod default/init-demo (CrashLoopBackOff)');
    } finally {
      vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: api.url, namespace: 'default' }));
      await mixed.close();
    }
  });

  it('pod restarts below N', async () => {
    expect((await run({ selector: 'app=nginx', restarts: '< 30' })).status).toBe('pass');
    const bad = await run({ namespace: 'kube-system', restarts: '< 3' });
    expect(bad.status).toBe('fail');
    expect(bad.message).toMatch(/^restarts 189 \(local-path-provisioner-.+\), expected < 3$/);
  });

  it('service type and NodePort, with the port as a fact', async () => {
    const ok = await run({
      name: 'example-web-go',
      namespace: 'team1-dockerimage',
      service_type: 'NodePort',
      node_port: '30000..32767',
    });
    expect(ok.status, ok.message).toBe('pass');
    expect(ok.facts?.node_port).toBe(30692);
    const bad = await run({ name: 'example-web-go', namespace: 'team1-dockerimage', node_port: 30080 });
    expect(bad.message).toBe('node port 30692, expected 30080');
    const type = await run({
      name: 'example-web-go',
      namespace: 'team1-dockerimage',
      service_type: 'LoadBalancer',
    });
    expect(type.message).toBe('service type NodePort, expected LoadBalancer');
  });

  it('node Ready count and nvidia.com/gpu allocatable', async () => {
    expect((await run({ ready_nodes: '>= 1' })).status).toBe('pass');
    const gpus = await run({ gpu_allocatable: '>= 1' });
    expect(gpus.status, gpus.message).toBe('pass');
    expect(gpus.facts?.gpu_allocatable).toBe(1);
    expect((await run({ gpu_allocatable: '>= 2' })).message).toBe(
      'nvidia.com/gpu allocatable 1, expected >= 2',
    );
    expect((await run({ kind: 'Node', name: 'ip-172-31-21-92', condition: 'Ready' })).status).toBe('pass');
  });

  it('HPA current and desired replicas, and a condition with its reason', async () => {
    const hpa = { name: 'web-app', namespace: 'hpa-test' };
    expect((await run({ ...hpa, current_replicas: 1, desired_replicas: '>= 0' })).status).toBe('pass');
    const active = await run({ ...hpa, kind: 'HorizontalPodAutoscaler', condition: 'ScalingActive' });
    expect(active.status).toBe('fail');
    expect(active.message).toBe(
      'condition ScalingActive ScalingActive=False (FailedGetResourceMetric), expected ScalingActive=True',
    );
    const reason = { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric' };
    expect((await run({ ...hpa, kind: 'HorizontalPodAutoscaler', condition: reason })).status).toBe('pass');
  });

  it('container image, of a pod and of a deployment, by container name', async () => {
    expect((await run({ name: NGINX_POD, image: 'nginx', container: 'nginx' })).status).toBe('pass');
    expect(
      (await run({ kind: 'Pod', name: NGINX_POD, image: { matches: '^busybox' }, container: 'hello' }))
        .status,
    ).toBe('pass');
    const dep = await run({ kind: 'Deployment', name: 'icx-db', namespace: 'icx', image: 'postgres:12' });
    expect(dep.status).toBe('fail');
    expect(dep.message).toBe('image does not contain "postgres:12"');
  });

  it('pod logs contain a regex, with named groups as facts', async () => {
    const outcome = await run({
      selector: 'app=nginx',
      container: 'nginx',
      logs: { matches: 'nginx/(?<nginx_version>[0-9.]+)' },
    });
    expect(outcome.status, outcome.message).toBe('pass');
    expect(outcome.facts?.nginx_version).toBe('1.23.3');
    expect(
      api.requests.some((r) => r.includes(`/pods/${NGINX_POD}/log?tailLines=1000&container=nginx`)),
    ).toBe(true);
    expect((await run({ name: NGINX_POD, logs: 'Traceback' })).status).toBe('fail');
  });

  it('events with a reason, about an object or anywhere in the namespace', async () => {
    const ns = 'message-pod-crashloop-backoff';
    const seen = await run({
      kind: 'Pod',
      name: 'init-demo',
      namespace: ns,
      event: { reason: 'BackOff', type: 'Warning' },
    });
    expect(seen.status, seen.message).toBe('pass');
    expect(seen.message).toContain('Back-off restarting failed container');
    const none = await run({ namespace: ns, event: { reason: 'BackOff', present: false } });
    expect(none.status).toBe('fail');
    expect((await run({ namespace: ns, event: { reason: 'OOMKilling' } })).message).toMatch(
      /^event OOMKilling: none among 17 events/,
    );
    const msg = await run({
      namespace: ns,
      event: { reason: 'Failed', message: { matches: 'exec: "wge"' } },
    });
    expect(msg.status, msg.message).toBe('pass');
  });
});

describe('kubernetes check: existence, count, partial objects, discovery', () => {
  it('exists by default; absent; count', async () => {
    expect((await run({ kind: 'Deployment', name: 'icx-db', namespace: 'icx' })).status).toBe('pass');
    const missing = await run({ kind: 'Deployment', name: 'web' });
    expect(missing.status).toBe('fail');
    expect(missing.message).toBe('Deployment default/web: none found, expected it to exist');
    expect((await run({ kind: 'Deployment', name: 'web', exists: false })).status).toBe('pass');
    expect((await run({ kind: 'Pod', namespace: 'kube-system', count: 7 })).status).toBe('pass');
    expect(
      (await run({ kind: 'Pod', namespace: 'kube-system', selector: 'k8s-app=kube-dns', count: 1 })).status,
    ).toBe('pass');
    // A short form on an object that is not there says so once.
    expect((await run({ name: 'web', ready_replicas: 2 })).message).toBe('Deployment default/web: not found');
  });

  it('partial match: maps as subsets, lists as subsets in any order, exact lists', async () => {
    const dep = { kind: 'Deployment', name: 'icx-db', namespace: 'icx' };
    const conditions = [
      { type: 'Progressing', status: 'True' },
      { type: 'Available', reason: 'MinimumReplicasAvailable' },
    ];
    expect((await run({ ...dep, match: { status: { readyReplicas: 1, conditions } } })).status).toBe('pass');
    const exact = await run({ ...dep, exact: true, match: { status: { conditions } } });
    expect(exact.status).toBe('fail');
    expect(exact.message).toContain('status.conditions[0].type is Available, expected Progressing');
    const inOrder = [conditions[1], conditions[0]];
    expect((await run({ ...dep, exact: true, match: { status: { conditions: inOrder } } })).status).toBe(
      'pass',
    );
    const wrong = await run({
      ...dep,
      match: { spec: { replicas: 4 }, metadata: { labels: { app: 'icx-db' } } },
    });
    expect(wrong.status).toBe('fail');
    expect(wrong.message).toBe('Deployment icx/icx-db spec.replicas is 1, expected 4');
    // Quantities: "1" matches 1; comparisons work inside match.
    const node = await run({
      kind: 'Node',
      match: { status: { allocatable: { 'nvidia.com/gpu': 1, pods: '>= 100' } } },
    });
    expect(node.status, node.message).toBe('pass');
  });

  it('ready_replicas on a DaemonSet reads numberReady', async () => {
    // Not recorded: a DaemonSet in the API's shape (status fields as the DaemonSet controller writes them).
    const ds = {
      kind: 'DaemonSet',
      apiVersion: 'apps/v1',
      metadata: { name: 'dcgm-exporter', namespace: 'gpu-monitoring' },
      spec: { selector: { matchLabels: { app: 'dcgm-exporter' } } },
      status: { currentNumberScheduled: 2, desiredNumberScheduled: 2, numberAvailable: 1, numberReady: 1 },
    };
    const daemons = await startKubeApi({ objects: [ds] });
    vi.stubEnv('KUBECONFIG', writeKubeconfig(makeTempDir('ailab-kube-'), { server: daemons.url }));
    try {
      const one = { kind: 'DaemonSet', name: 'dcgm-exporter', namespace: 'gpu-monitoring' };
      expect((await run({ ...one, ready_replicas: 1 })).status).toBe('pass');
      const two = await run({ ...one, ready_replicas: '>= 2' });
      expect(two.status).toBe('fail');
      expect(two.message).toMatch(/ready replicas 1/);
    } finally {
      vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: api.url, namespace: 'default' }));
      await daemons.close();
    }
  });

  it('match_any: one of the objects found is enough', async () => {
    // The recorded kube-system pods: one traefik pod among several others.
    const pods = { kind: 'Pod', namespace: 'kube-system' };
    const traefik = { metadata: { labels: { 'app.kubernetes.io/name': 'traefik' } } };
    const every = await run({ ...pods, match: traefik });
    expect(every.status).toBe('fail');
    const any = await run({ ...pods, match: traefik, match_any: true });
    expect(any.status, any.message).toBe('pass');
    expect(any.message).toMatch(/^Pod in kube-system 1 of \d+ match$/);
    const none = await run({ ...pods, match: { metadata: { labels: { app: 'nothing' } } }, match_any: true });
    expect(none.status).toBe('fail');
    expect(none.message).toMatch(
      /none of \d+ match \(.*metadata\.labels\.app is missing, expected nothing\)/,
    );
  });

  it('a CRD kind through discovery, and a pinned api_version', async () => {
    const sm = await run({
      kind: 'ServiceMonitor',
      namespace: 'demo',
      selector: { release: 'prometheus' },
      count: 1,
    });
    expect(sm.status, sm.message).toBe('pass');
    expect(api.requests).toContain('/apis');
    expect(api.requests).toContain('/apis/monitoring.coreos.com/v1');
    const pinned = await run({ kind: 'deploy', api_version: 'apps/v1', name: 'icx-db', namespace: 'icx' });
    expect(pinned.status, pinned.message).toBe('pass');
    expect(api.requests).toContain('/apis/apps/v1');
  });

  it('polling: a deployment that becomes ready after a few requests', async () => {
    let gets = 0;
    const rolling = fixture('deployment-rolling-out.json');
    const ready = fixture('deployment-ready.json');
    const flip = await startKubeApi({
      respond: (path) => {
        if (path !== '/apis/apps/v1/namespaces/default/deployments/guestbook-ui') return undefined;
        gets++;
        return { status: 200, body: gets <= 2 ? rolling : { ...ready, metadata: rolling.metadata } };
      },
    });
    const kubeconfig = writeKubeconfig(makeTempDir('ailab-kube-'), { server: flip.url });
    vi.stubEnv('KUBECONFIG', kubeconfig);
    try {
      const options = {
        kind: 'Deployment',
        name: 'guestbook-ui',
        condition: { type: 'Progressing', reason: 'NewReplicaSetAvailable' },
      };
      const first = await run(options);
      expect(first.status).toBe('fail');
      expect(first.message).toContain('ReplicaSetUpdated');
      expect((await run(options)).status).toBe('fail');
      expect((await run(options)).status).toBe('pass');
    } finally {
      vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: api.url, namespace: 'default' }));
      await flip.close();
    }
  });
});

describe('kubernetes check: diagnoses', () => {
  afterEach(() => {
    vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: api.url, namespace: 'default' }));
    vi.stubEnv('AILAB_KUBE_CONTEXT', '');
  });

  it('no kubeconfig', async () => {
    vi.stubEnv('KUBECONFIG', join(dir, 'nowhere', 'config'));
    const outcome = await run({ kind: 'Pod' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(/^no kubeconfig: .*nowhere\/config does not exist; start the cluster/);
  });

  it('context not found, from the option and from --kube-context', async () => {
    vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: api.url, moreContexts: ['kind-lab'] }, 'two'));
    const outcome = await run({ kind: 'Pod', context: 'minikube' });
    expect(outcome.message).toMatch(
      /^context "minikube" not found in kubeconfig .* \(contexts: stand-in, kind-lab\)$/,
    );
    expect((await run({ kind: 'Pod', context: 'kind-lab', namespace: 'kube-system', count: 7 })).status).toBe(
      'pass',
    );
    vi.stubEnv('AILAB_KUBE_CONTEXT', 'gke-prod');
    expect((await run({ kind: 'Pod' })).message).toMatch(/^context "gke-prod" not found/);
  });

  it('connection refused', async () => {
    const port = await freePort();
    vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: `https://127.0.0.1:${port}` }, 'refused'));
    const outcome = await run({ kind: 'Node' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(
      `connection refused: no API server answers at https://127.0.0.1:${port} (context stand-in); is the cluster running? (minikube status, kind get clusters)`,
    );
  });

  it('certificate error, and the right CA passes', async () => {
    const certs = makeTempDir('ailab-kube-ca-');
    const server = makeCa(certs, 'server');
    const other = makeCa(certs, 'other');
    const tls = await startKubeApi({
      tls: server,
      objects: fixtureItems('nodes-gpu.json', 'Node'),
      token: 's3cret',
    });
    try {
      vi.stubEnv(
        'KUBECONFIG',
        writeKubeconfig(dir, { server: tls.url, ca: other.ca, token: 's3cret' }, 'wrong-ca'),
      );
      const bad = await run({ ready_nodes: 1 });
      expect(bad.status).toBe('fail');
      expect(bad.message).toMatch(
        /^certificate error: the API server's TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
      );
      // A CA file named by path, as minikube writes it (~/.minikube/ca.crt), read through the target.
      const caFile = join(certs, 'server-ca.crt');
      vi.stubEnv(
        'KUBECONFIG',
        writeKubeconfig(dir, { server: tls.url, caFile, token: 's3cret' }, 'right-ca'),
      );
      const good = await run({ ready_nodes: 1 });
      expect(good.status, good.message).toBe('pass');
      vi.stubEnv(
        'KUBECONFIG',
        writeKubeconfig(dir, { server: tls.url, caFile, token: 'expired' }, 'bad-token'),
      );
      const unauthorized = await run({ ready_nodes: 1 });
      expect(unauthorized.message).toMatch(
        /^unauthorized \(401\): the API server at https:\/\/127\.0\.0\.1:\d+ rejected the credentials of user "learner" \(context stand-in\)/,
      );
    } finally {
      await tls.close();
    }
  });

  it('403 names the verb and the resource denied', async () => {
    const forbidden = await startKubeApi({
      respond: (path) =>
        path.endsWith('/pods') ? { status: 403, body: fixture('status-403-forbidden.json') } : undefined,
    });
    try {
      vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: forbidden.url }, 'forbidden'));
      const outcome = await run({ kind: 'Pod', running: true });
      expect(outcome.status).toBe('fail');
      expect(outcome.message).toBe(
        'forbidden (403): user "learner" may not list pods in namespace "default": pods is forbidden: User "system:serviceaccount:default:dashboard-sa" cannot list resource "pods" in API group "" in the namespace "default"',
      );
    } finally {
      await forbidden.close();
    }
  });

  it('kind not found: a CRD that is not installed', async () => {
    const bare = await startKubeApi({ crds: false });
    try {
      vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: bare.url }, 'bare'));
      const outcome = await run({ kind: 'ServiceMonitor', name: 'coreos-prom-mgo-stats', namespace: 'demo' });
      expect(outcome.status).toBe('fail');
      expect(outcome.message).toBe(
        'kind ServiceMonitor not found: the cluster serves no such resource; is its CRD installed (e.g. the Prometheus operator for ServiceMonitor)?',
      );
      const pinned = await run({ kind: 'ServiceMonitor', api_version: 'monitoring.coreos.com/v1' });
      expect(pinned.message).toMatch(/^kind ServiceMonitor not found in monitoring\.coreos\.com\/v1/);
    } finally {
      await bare.close();
    }
  });

  it('options that cannot work are errors', async () => {
    expect((await run({ name: 'x' })).status).toBe('error');
    expect((await run({ kind: 'Pod', name: 'x', selector: 'a=b' })).status).toBe('error');
    expect(() => check.schema.parse({ kind: 'Pod', replicas: 2 })).toThrow();
  });
});
