// Week 16 (Monitor GPU Cluster with Prometheus): every check of the lab, run by the real engine on this
// machine, against real Prometheus where it can run and stand-ins where it cannot.
//   Real: Debian's Prometheus 2.42 and promtool. promtool checks and unit-tests the lab's alert rules
//   (the fixed ones fire when they should; the course's GPUMemoryPressure and GPUScrapeMissing never
//   do). A Prometheus on 127.0.0.1 loads the lab's rules and scrapes, as job "dcgm-exporter" (the job
//   name a ServiceMonitor gives: the Service's name), a stand-in exporter that replays a real
//   dcgm-exporter /metrics answer (fixtures-w16/dcgm-metrics-t4.txt, a Tesla T4 with the default
//   counters); the lab's http checks (target up, the four queries, the rules, no firing alert) read it.
//   Stand-ins: the cluster is the stand-in API server (test/helpers/kube-api.ts, which also serves
//   DaemonSet, StatefulSet, ConfigMap, CRDs, PrometheusRule …) serving the real GPU node of ../shared/fixtures/kubernetes (nodes-gpu.json, a T4, labelled gpu=true
//   here as the lab's step does) and the lab's own manifests as applied, with statuses derived from the
//   recorded ones (deployment-ready.json) or written in the API's shape where none was recorded
//   (DaemonSet, StatefulSet, Namespace, CRD: said where they are built). The exporter pod is the real
//   Running pod of pods-running-k3s-default.json, renamed. Grafana is a stand-in answering /api/health
//   with the body Grafana's HTTP API documents. The broken cluster is the course's mistakes on real
//   captures: no GPU node (the AKS nodes), the placeholder label put on one of them, the exporter
//   crash-looping there (the real CrashLoopBackOff pod and events), the course's :latest image, the
//   ServiceMonitor and dashboard steps skipped, and a Prometheus whose target does not answer.
//   Not run: Helm, kubectl port-forward, a cluster, a GPU, DCGM, Grafana. The steps are not run here
//   (all are kubectl/helm against a cluster); the test grades the checks of the steps and of verify.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { CheckResult } from '../../src/engine/result.js';
import { runLab } from '../../src/engine/run-lab.js';
import { resolveValues } from '../../src/engine/values.js';
import { interpolate } from '../../src/spec/interpolate.js';
import { loadLab } from '../../src/spec/load.js';
import type { Lab } from '../../src/spec/types.js';
import { LocalTarget } from '../../src/targets/local.js';
import { fixture, fixtureItems, type Json, startKubeApi, writeKubeconfig } from '../helpers/kube-api.js';
import { freePort } from '../helpers/net.js';
import { killQuietly, waitFor } from '../helpers/processes.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import { ailab, ROOT } from './fixtures-w06-10/ailab-cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures-w16');
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const hasPrometheus = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
const NS = 'monitoring';
const GPU_NODE = 'ip-172-31-21-92';

const rendered = (path: string) =>
  interpolate(readFileSync(join(ROOT, 'templates', 'week-16', path), 'utf8'), values(), 'raw');
const docs = (path: string): Json[] => parseAllDocuments(rendered(path)).map((d) => d.toJS());
function values(): Record<string, string> {
  const v: Record<string, string> = {};
  for (const variable of Object.values(lab.vars)) v[variable.name] = variable.default ?? '';
  return v;
}
const ofKind = (objects: Json[], kind: string) => objects.find((o) => o.kind === kind);

let lab: Lab;
let workDir: string;
let exporter: Server;
let exporterPort: number;
let grafana: Server;
let grafanaPort: number;

interface Prometheus {
  port: number;
  process: ChildProcess;
}

const prometheuses: Prometheus[] = [];

/** A real Prometheus on 127.0.0.1: the rules of `rulesYaml` (a PrometheusRule), one scrape job. */
async function startPrometheus(rulesYaml: string, target: number): Promise<Prometheus> {
  const dir = makeTempDir('ailab-w16-prom-');
  const rule = parse(rulesYaml);
  writeFileSync(join(dir, 'rules.yml'), stringify({ groups: rule.spec.groups }));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['rules.yml'],
      // What the operator generates from the ServiceMonitor: job = the Service's name, path /metrics.
      scrape_configs: [
        {
          job_name: 'dcgm-exporter',
          metrics_path: '/metrics',
          static_configs: [{ targets: [`127.0.0.1:${target}`] }],
        },
      ],
    }),
  );
  const port = await freePort();
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const prometheus = { port, process: child };
  prometheuses.push(prometheus);
  const api = (path: string) =>
    fetch(`http://127.0.0.1:${port}${path}`)
      .then((r) => r.json() as Promise<Json>)
      .catch(() => undefined);
  // Ready once it scraped the target once and evaluated the rules once.
  await waitFor(
    async () => {
      const up = await api('/api/v1/query?query=up');
      const rules = await api('/api/v1/rules');
      const health = (rules?.data?.groups ?? []).flatMap((g: Json) => g.rules.map((r: Json) => r.health));
      return up?.data?.result?.length > 0 && health.length === 4 && !health.includes('unknown');
    },
    'Prometheus to scrape and evaluate its rules',
    30_000,
    250,
  );
  return prometheus;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    }),
  );
}

function healthyCluster(): Json[] {
  // The real T4 node, labelled gpu=true as step 4 does.
  const node = fixtureItems('nodes-gpu.json', 'Node')[0];
  node.metadata.labels = { ...node.metadata.labels, gpu: 'true' };
  // Not recorded: a Namespace and the operator's CRDs in the API's shape.
  const namespace = {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name: NS },
    status: { phase: 'Active' },
  };
  const crds = ['servicemonitors', 'prometheusrules'].map((plural) => ({
    kind: 'CustomResourceDefinition',
    apiVersion: 'apiextensions.k8s.io/v1',
    metadata: { name: `${plural}.monitoring.coreos.com` },
    status: { conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }] },
  }));
  // The chart's Deployments: the real status of deployment-ready.json (1 of 1 ready), Helm's labels.
  const ready = fixture('deployment-ready.json');
  const deployments = [
    'monitoring-grafana',
    'monitoring-kube-prometheus-operator',
    'monitoring-kube-state-metrics',
  ].map((name) => ({
    ...structuredClone(ready),
    metadata: {
      name,
      namespace: NS,
      labels: { 'app.kubernetes.io/instance': 'monitoring', release: 'monitoring' },
    },
  }));
  // Not recorded: the Prometheus StatefulSet's status, in the API's shape (1 of 1 ready).
  const statefulSet = {
    kind: 'StatefulSet',
    apiVersion: 'apps/v1',
    metadata: { name: 'prometheus-monitoring-kube-prometheus-prometheus', namespace: NS },
    spec: { replicas: 1 },
    status: { replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  };
  const exporterDocs = docs('dcgm-exporter.yaml');
  const daemonSet = ofKind(exporterDocs, 'DaemonSet');
  // Not recorded: a DaemonSet status with its one GPU node scheduled and ready.
  daemonSet.status = {
    currentNumberScheduled: 1,
    desiredNumberScheduled: 1,
    numberAvailable: 1,
    numberMisscheduled: 0,
    numberReady: 1,
    observedGeneration: 1,
    updatedNumberScheduled: 1,
  };
  const pod = structuredClone(fixtureItems('pods-running-k3s-default.json', 'Pod')[0]);
  pod.metadata = {
    ...pod.metadata,
    name: 'dcgm-exporter-x7k2p',
    namespace: NS,
    labels: { app: 'dcgm-exporter' },
  };
  pod.spec.nodeName = GPU_NODE;
  // The capture's pod restarted 25 times (its node rebooted); a freshly started exporter has not.
  for (const status of pod.status.containerStatuses) status.restartCount = 0;
  return [
    node,
    namespace,
    ...crds,
    ...deployments,
    statefulSet,
    ...exporterDocs,
    pod,
    ...docs('dcgm-servicemonitor.yaml'),
    ...docs('gpu-dashboard.yaml'),
    ...docs('gpu-alerts.yaml'),
  ];
}

function brokenCluster(): Json[] {
  const healthy = healthyCluster();
  const keep = healthy.filter((o) =>
    [
      'Namespace',
      'CustomResourceDefinition',
      'Deployment',
      'StatefulSet',
      'Service',
      'PrometheusRule',
    ].includes(o.kind),
  );
  // No GPU node: the three AKS nodes; the course's `kubectl label nodes <node-name> gpu=true` put on one.
  const nodes = fixtureItems('nodes-aks-kubectl.json', 'Node');
  nodes[0].metadata.labels = { ...nodes[0].metadata.labels, gpu: 'true' };
  // The course's DaemonSet (image :latest), scheduled on that node and never ready.
  const course = ofKind(docs('dcgm-exporter.yaml'), 'DaemonSet');
  course.spec.template.spec.containers[0].image = 'nvcr.io/nvidia/k8s/dcgm-exporter:latest';
  course.status = {
    currentNumberScheduled: 1,
    desiredNumberScheduled: 1,
    numberReady: 0,
    numberUnavailable: 1,
  };
  // Its pod crash-loops: the real CrashLoopBackOff pod and its real events, moved to the namespace.
  const pod = fixtureItems('pods-crashloop.json', 'Pod')[0];
  const podName = pod.metadata.name;
  pod.metadata = { ...pod.metadata, namespace: NS, labels: { app: 'dcgm-exporter' } };
  const events = fixtureItems('events-crashloop.json', 'Event').map((e) => ({
    ...e,
    metadata: { ...e.metadata, namespace: NS },
    involvedObject: { ...e.involvedObject, namespace: NS },
  }));
  expect(events.some((e) => e.involvedObject.name === podName)).toBe(true);
  // Steps 6 and 9 skipped: no ServiceMonitor, no dashboard ConfigMap.
  return [...nodes, ...keep, course, pod, ...events];
}

interface Graded {
  checks: Map<string, CheckResult>;
  requests: string[];
}

/** Every check of the lab (steps' expect and verify), once, against this cluster and these ports. */
async function gradeAll(objects: Json[], ports: Record<string, number>): Promise<Graded> {
  const api = await startKubeApi({ objects });
  const dir = makeTempDir('ailab-w16-kube-');
  vi.stubEnv('KUBECONFIG', writeKubeconfig(dir, { server: api.url, context: 'gpu-cluster' }));
  vi.stubEnv('AILAB_KUBE_CONTEXT', '');
  try {
    const { values } = await resolveValues(lab, {
      sets: Object.entries(ports).map(([k, v]) => `${k}=${v}`),
    });
    // The device plugin's step runs only with install_device_plugin=true (default false): not its checks.
    const steps = lab.steps.filter((s) => s.id !== 'device-plugin');
    const checks = [...steps.flatMap((s) => s.expect), ...lab.verify].map((c) => ({ ...c, withinMs: 0 }));
    const result = await runLab(
      // No helm here: the commands the steps need are waived; the checks are what is tested.
      { ...lab, requires: { ...lab.requires, commands: [] }, verify: checks },
      {
        target: new LocalTarget(),
        mode: 'verify',
        values,
        workDir,
        signal: new AbortController().signal,
        version: 'test',
      },
    );
    return { checks: new Map(result.verify.map((c) => [c.id, c])), requests: [...api.requests] };
  } finally {
    vi.unstubAllEnvs();
    await api.close();
  }
}

beforeAll(async () => {
  lab = await loadLab(join(ROOT, 'labs', 'week-16.yaml'));
  workDir = makeTempDir('ailab-w16-work-');
  const metrics = readFileSync(join(FIXTURES, 'dcgm-metrics-t4.txt'));
  exporter = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return res.end(metrics);
    }
    res.writeHead(req.url === '/health' ? 200 : 404);
    res.end();
  });
  exporterPort = await listen(exporter);
  // Grafana's /api/health as its HTTP API reference shows it.
  grafana = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ commit: '087143285', database: 'ok', version: '5.1.3' }));
  });
  grafanaPort = await listen(grafana);
}, 30_000);

afterAll(async () => {
  for (const p of prometheuses) killQuietly(p.process.pid);
  await new Promise((r) => exporter?.close(r));
  await new Promise((r) => grafana?.close(r));
  removeTempDirs();
});

describe.skipIf(!hasPrometheus && !process.env.CI)(
  'the alert rules, with promtool (Debian prometheus)',
  () => {
    const dir = () => makeTempDir('ailab-w16-promtool-');
    // Ten minutes of a hot, full GPU; then whether each alert fires at 11m. No `up` series at all: the
    // exporter's targets are gone (no pod, or a ServiceMonitor that selects nothing).
    const unitTest = (rules: string) => ({
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'DCGM_FI_DEV_GPU_TEMP{instance="10.0.0.5:9400",gpu="0"}', values: '85x15' },
            { series: 'DCGM_FI_DEV_FB_USED{instance="10.0.0.5:9400",gpu="0"}', values: '15000x15' },
            { series: 'DCGM_FI_DEV_FB_FREE{instance="10.0.0.5:9400",gpu="0"}', values: '109x15' },
          ],
          alert_rule_test: [
            {
              eval_time: '11m',
              alertname: 'GPUHighTemperature',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', instance: '10.0.0.5:9400', gpu: '0' },
                  exp_annotations: {
                    summary: 'GPU temperature high (>80°C)',
                    description: 'Instance 10.0.0.5:9400 GPU 0 too hot.',
                  },
                },
              ],
            },
            {
              eval_time: '11m',
              alertname: 'GPUMemoryPressure',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', instance: '10.0.0.5:9400', gpu: '0' },
                  exp_annotations: {
                    summary: 'GPU memory > 90% for 10m',
                    description: 'Sustained memory pressure on 10.0.0.5:9400 GPU 0.',
                  },
                },
              ],
            },
            {
              eval_time: '11m',
              alertname: 'GPUScrapeMissing',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', job: 'dcgm-exporter' },
                  exp_annotations: {
                    summary: 'DCGM exporter scrape failing',
                    description: 'Prometheus cannot scrape DCGM exporter targets for 10m.',
                  },
                },
              ],
            },
          ],
        },
      ],
    });

    function promtoolOn(ruleYaml: string) {
      const d = dir();
      writeFileSync(join(d, 'rules.yml'), stringify({ groups: parse(ruleYaml).spec.groups }));
      writeFileSync(join(d, 'tests.yml'), stringify(unitTest('rules.yml')));
      const check = spawnSync(PROMTOOL, ['check', 'rules', join(d, 'rules.yml')], { encoding: 'utf8' });
      const test = spawnSync(PROMTOOL, ['test', 'rules', join(d, 'tests.yml')], { encoding: 'utf8' });
      return { check, test };
    }

    it("the lab's rules are valid PromQL and fire when the GPU is hot, full, or unscraped", () => {
      const { check, test } = promtoolOn(rendered('gpu-alerts.yaml'));
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toMatch(/SUCCESS: 4 rules found/);
      expect(test.status, test.stdout + test.stderr).toBe(0);
      expect(test.stdout).toMatch(/SUCCESS/);
    });

    it("the course's rules parse, but its memory and scrape alerts never fire", () => {
      const { check, test } = promtoolOn(readFileSync(join(FIXTURES, 'course-gpu-alerts.yaml'), 'utf8'));
      expect(check.status, check.stderr).toBe(0);
      expect(test.status).toBe(1);
      const out = test.stdout + test.stderr;
      // FB_TOTAL is not exported, and `up == 0` has nothing to compare when the targets are gone.
      expect(out).toMatch(/alertname: GPUMemoryPressure[\s\S]*got:\[\]/);
      expect(out).toMatch(/alertname: GPUScrapeMissing[\s\S]*got:\[\]/);
      expect(out).not.toMatch(/alertname: GPUHighTemperature/);
    });
  },
);

describe.skipIf(!hasPrometheus && !process.env.CI)(
  'week-16 checks against a healthy GPU cluster and a real Prometheus',
  () => {
    let graded: Graded;
    let prometheus: Prometheus;
    const check = (id: string) => graded.checks.get(id);

    beforeAll(async () => {
      prometheus = await startPrometheus(rendered('gpu-alerts.yaml'), exporterPort);
      graded = await gradeAll(healthyCluster(), {
        exporter_port: exporterPort,
        prom_port: prometheus.port,
        grafana_port: grafanaPort,
      });
    }, 60_000);

    it('passes every check of the lab', () => {
      const notPassed = [...graded.checks.values()].filter((c) => c.status !== 'pass');
      expect(notPassed.map((c) => `${c.id} ${c.title}: ${c.message}\n${c.details ?? ''}`)).toEqual([]);
      expect(graded.checks.size).toBe(
        lab.steps.filter((s) => s.id !== 'device-plugin').flatMap((s) => s.expect).length + lab.verify.length,
      );
    });

    it('read the GPU node, the exporter and the CRDs from the API server', () => {
      expect(check('gpu-node')?.observed).toMatch(/ready nodes: 1.*nvidia.com\/gpu allocatable: 1/);
      expect(graded.requests).toEqual(
        expect.arrayContaining([
          '/api/v1/nodes',
          '/apis/apps/v1/namespaces/monitoring/daemonsets/dcgm-exporter',
          '/apis/monitoring.coreos.com/v1/namespaces/monitoring/servicemonitors/dcgm-exporter',
          '/apis/monitoring.coreos.com/v1/namespaces/monitoring/prometheusrules/gpu-alerts',
          '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/servicemonitors.monitoring.coreos.com',
        ]),
      );
    });

    it("the course's memory query has no data in the same Prometheus; the fixed one has", async () => {
      const query = async (q: string) =>
        (
          (await (
            await fetch(`http://127.0.0.1:${prometheus.port}/api/v1/query?query=${encodeURIComponent(q)}`)
          ).json()) as Json
        ).data.result;
      expect(await query('100 * (DCGM_FI_DEV_FB_USED / DCGM_FI_DEV_FB_TOTAL)')).toEqual([]);
      const fixed = await query('100 * DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)');
      expect(fixed).toHaveLength(1);
      expect(fixed[0].metric).toMatchObject({ gpu: '0', modelName: 'Tesla T4', job: 'dcgm-exporter' });
      expect(check('query-temperature')?.status).toBe('pass');
    });
  },
);

describe.skipIf(!hasPrometheus && !process.env.CI)("week-16 checks against the course's mistakes", () => {
  let graded: Graded;
  const check = (id: string) => graded.checks.get(id);

  beforeAll(async () => {
    // The exporter does not answer (its pod crash-loops): a closed port as Prometheus' target; the
    // course's rules loaded.
    const closed = await freePort();
    const prometheus = await startPrometheus(
      readFileSync(join(FIXTURES, 'course-gpu-alerts.yaml'), 'utf8'),
      closed,
    );
    graded = await gradeAll(brokenCluster(), {
      exporter_port: closed,
      prom_port: prometheus.port,
      grafana_port: await freePort(),
    });
  }, 60_000);

  it('fails what is broken and passes what is not', () => {
    const failing = [...graded.checks.values()].filter((c) => c.status !== 'pass').map((c) => c.id);
    expect(failing.filter((id) => !/-\d+$/.test(id)).sort()).toEqual(
      [
        'dashboard',
        'exporter',
        'exporter-pods',
        'gpu-labelled',
        'gpu-node',
        'grafana',
        'pinned',
        'query-memory',
        'query-power',
        'query-temperature',
        'query-util',
        'raw-metrics',
        'servicemonitor',
        'target-up',
      ].sort(),
    );
    for (const id of ['prometheus', 'stack', 'service', 'rules', 'rule-object', 'no-alerts'])
      expect(check(id)?.status, id).toBe('pass');
  });

  it('says why, with the objects, pods and events it saw', () => {
    expect(check('gpu-node')?.message).toBe('nvidia.com/gpu allocatable 0, expected >= 1');
    expect(check('exporter')?.message).toMatch(/numberReady.*0.*>= 1/);
    const pods = check('exporter-pods');
    expect(pods?.message).toMatch(/CrashLoopBackOff, expected Running/);
    expect(pods?.details).toMatch(/last events of Pod monitoring\/init-demo/);
    expect(pods?.details).toMatch(/BackOff/);
    expect(check('pinned')?.message).toMatch(/^image does not match/);
    expect(check('pinned')?.observed).toMatch(/dcgm-exporter:latest/);
    expect(check('servicemonitor')?.message).toBe('ServiceMonitor monitoring/dcgm-exporter: not found');
    expect(check('target-up')?.message).toMatch(/value\[1\] 0, expected 1/);
    expect(check('target-up')?.hint).toMatch(/release label/);
    expect(check('raw-metrics')?.message).toMatch(/refused/);
  });
});

describe.skipIf(!hasPrometheus && !process.env.CI)('week-16 through the CLI', () => {
  it('`ailab verify` grades the healthy cluster and passes (exit 0)', async () => {
    const prometheus = await startPrometheus(rendered('gpu-alerts.yaml'), exporterPort);
    const objects = healthyCluster();
    const api = await startKubeApi({ objects });
    const dir = makeTempDir('ailab-w16-cli-');
    // helm is only looked for by the preflight (verify runs no step): a stand-in that refuses to run.
    writeFileSync(join(dir, 'helm'), '#!/bin/sh\necho "stand-in helm: not run in this test" >&2\nexit 1\n', {
      mode: 0o755,
    });
    try {
      const out = await ailab(
        [
          'verify',
          join(ROOT, 'labs', 'week-16.yaml'),
          '--json',
          '--workdir',
          workDir,
          '--set',
          `exporter_port=${exporterPort}`,
          '--set',
          `prom_port=${prometheus.port}`,
          '--set',
          `grafana_port=${grafanaPort}`,
        ],
        {
          env: {
            KUBECONFIG: writeKubeconfig(dir, { server: api.url, context: 'gpu-cluster' }),
            PATH: `${dir}:${process.env.PATH}`,
          },
        },
      );
      const result = JSON.parse(out.stdout);
      expect(out.code, out.stderr).toBe(0);
      // 100% and the bonus check (no GPU alert firing) on top.
      expect(result.score.percent).toBeGreaterThan(100);
      expect(result.verify.filter((c: Json) => c.status === 'pass')).toHaveLength(lab.verify.length);
    } finally {
      await api.close();
    }
  }, 60_000);
});

it('the exporter stand-in replays the recorded capture (no FB_TOTAL, no ECC: the default counters)', () => {
  const text = readFileSync(join(FIXTURES, 'dcgm-metrics-t4.txt'), 'utf8');
  expect(text).toMatch(/^DCGM_FI_DEV_FB_USED\{.*modelName="Tesla T4"/m);
  expect(text).not.toMatch(/DCGM_FI_DEV_FB_TOTAL|ECC/);
  // The lab's counters list turns the ECC counter of GPUECCErrorsSpike on.
  const csv = ofKind(docs('dcgm-exporter.yaml'), 'ConfigMap').data['custom.csv'];
  expect(csv).toMatch(/^DCGM_FI_DEV_ECC_SBE_VOL_TOTAL, counter/m);
});
