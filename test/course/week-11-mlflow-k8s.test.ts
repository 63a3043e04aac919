// Week 11 (Deploy MLflow on Kubernetes), run through the real CLI: `ailab run week-11 --only client`
// runs the lab's client_run.py under Debian's Python and then every graded check of the lab.
//   Real: the lab's client script and its own checks (kubernetes, http, curl commands with SigV4 and
//   --resolve), the htpasswd file made by the lab's own command (Debian's apache2-utils) and checked
//   with openssl's APR1-MD5 as nginx checks it, kubectl's client-side rendering of the secret (when
//   kubectl is installed).
//   Stand-ins: MLflow is not in Debian, so a stand-in `mlflow` module (fixtures-w11/mlflow-stub) speaks
//   MLflow's REST API as MLflow 2.14 does (basic auth from the env, artifact repository by URI scheme)
//   to week 9's fake tracking server (fixtures-w06-10), behind the stand-ins of fixtures-w11/stand-ins.ts
//   for the three port-forwards (svc/mlflow with the server's artifact configuration, svc/minio with
//   S3's ListObjectsV2, the ingress controller with ingress-nginx's rules for class, host and basic
//   auth). The cluster is the stand-in API server (test/helpers/kube-api.ts) serving the lab's
//   manifests as applied: statuses from the
//   recorded deployment-ready.json, the recorded Running pod of pods-running-k3s-default.json renamed,
//   and, where nothing was recorded (StatefulSet, Job, PVC, Ingress, Namespace, StorageClass), statuses
//   in the API's shape (said where built). The broken cluster is the course's manifests on real
//   captures: the stock MLflow image with the real never-ready status of deployment-not-ready-gpu.json
//   (ProgressDeadlineExceeded) and the real CrashLoopBackOff pod, whose log is psycopg2's import error
//   as mlflow/mlflow#9513 reports it; an Ingress without ingressClassName (never admitted); a PVC left
//   Pending; and the server's s3:// artifact root, with which the client's upload fails for real.
//   Not run: a cluster, Helm, docker build, MinIO, PostgreSQL in a pod, the real MLflow.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { RunResult } from '../../src/engine/result.js';
import { interpolate } from '../../src/spec/interpolate.js';
import { fixture, fixtureItems, type Json, startKubeApi, writeKubeconfig } from '../helpers/kube-api.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  bundleBuilt,
  DEBIAN_PYTHON,
  problems,
  ROOT,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';
import { type StandIns, startStandIns } from './fixtures-w11/stand-ins.js';

const STUB = join(import.meta.dirname, 'fixtures-w11', 'mlflow-stub');
const hasHtpasswd = spawnSync('sh', ['-c', 'command -v htpasswd']).status === 0;
const hasKubectl = spawnSync('sh', ['-c', 'command -v kubectl']).status === 0;
const NS = 'mlops';

const DEFAULTS: Record<string, string> = {
  minio_chart_version: '5.4.0',
  mc_image: 'quay.io/minio/mc:RELEASE.2024-11-21T17-21-54Z',
  postgres_image: 'postgres:16.4',
  mlflow_image: 'mlflow-pg-s3:2.14.1',
  ingress_host: 'mlflow.localtest.me',
};
const docs = (path: string): Json[] =>
  parseAllDocuments(
    interpolate(readFileSync(join(ROOT, 'templates', 'week-11', path), 'utf8'), DEFAULTS, 'raw'),
  ).map((d) => d.toJS());
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The secret of step 4, as `kubectl create secret generic --dry-run=client -o yaml` renders it. */
const SECRET_VALUES: Record<string, string> = {
  BACKEND_URI: 'postgresql://mlflow:mlflowpass@pg-postgresql.mlops.svc.cluster.local:5432/mlflowdb',
  ARTIFACT_URI: 's3://mlflow-artifacts',
  AWS_ACCESS_KEY_ID: 'admin',
  AWS_SECRET_ACCESS_KEY: 'admin12345',
  MLFLOW_TRACKING_USERNAME: 'admin',
  MLFLOW_TRACKING_PASSWORD: 'changeme',
};
const mlflowSecret = () => ({
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name: 'mlflow-secrets', namespace: NS },
  type: 'Opaque',
  data: Object.fromEntries(Object.entries(SECRET_VALUES).map(([k, v]) => [k, b64(v)])),
});

/** A copy of the recorded Running pod as a pod named `name` with these labels and container name. */
function runningPod(name: string, labels: Record<string, string>, container: string): Json {
  const pod = structuredClone(fixtureItems('pods-running-k3s-default.json', 'Pod')[0]);
  const first = pod.spec.containers[0].name;
  pod.metadata = { ...pod.metadata, name, namespace: labels.namespace ?? NS, labels };
  delete pod.metadata.labels.namespace;
  pod.spec.containers[0].name = container;
  for (const s of pod.status.containerStatuses) {
    if (s.name === first) s.name = container;
    s.restartCount = 0;
  }
  return pod;
}

const ready = (o: Json, replicas = 1) => ({
  ...o,
  metadata: { ...o.metadata, namespace: NS },
  status: {
    ...fixture('deployment-ready.json').status,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
  },
});

// gunicorn's start-up lines as `mlflow server` prints them (the process numbers are made up).
const MLFLOW_LOG = [
  '[2024-06-20 10:01:02 +0000] [22] [INFO] Starting gunicorn 22.0.0',
  '[2024-06-20 10:01:02 +0000] [22] [INFO] Listening at: http://0.0.0.0:5000 (22)',
  '[2024-06-20 10:01:02 +0000] [22] [INFO] Using worker: sync',
  '[2024-06-20 10:01:02 +0000] [23] [INFO] Booting worker with pid: 23',
].join('\n');
// mc's answer to `mc ls minio || true; mc mb -p minio/mlflow-artifacts` on an empty MinIO.
const MKBUCKET_LOG = 'Bucket created successfully `minio/mlflow-artifacts`.';
// The server of the stock image, as mlflow/mlflow#9513 reports it (its traceback's last lines).
const PSYCOPG2_LOG = [
  'Traceback (most recent call last):',
  '  File "/usr/local/lib/python3.10/site-packages/sqlalchemy/dialects/postgresql/psycopg2.py", line 690, in import_dbapi',
  '    import psycopg2',
  "ModuleNotFoundError: No module named 'psycopg2'",
].join('\n');

interface Cluster {
  objects: Json[];
  logs: Record<string, string>;
}

function healthyCluster(htpasswd: string): Cluster {
  // Not recorded: a Namespace, minikube's default StorageClass, a ready StatefulSet, a complete Job, a
  // Bound PVC and an admitted Ingress, in the API's shape.
  const namespace = {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name: NS },
    status: { phase: 'Active' },
  };
  const storageClass = {
    kind: 'StorageClass',
    apiVersion: 'storage.k8s.io/v1',
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'k8s.io/minikube-hostpath',
  };
  const minio = ready({
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'minio', labels: { app: 'minio' } },
  });
  const pgDocs = docs('postgres.yaml').map((o) => ({ ...o, metadata: { ...o.metadata, namespace: NS } }));
  const statefulSet = pgDocs.find((o) => o.kind === 'StatefulSet');
  statefulSet.status = {
    replicas: 1,
    readyReplicas: 1,
    currentReplicas: 1,
    updatedReplicas: 1,
    availableReplicas: 1,
  };
  const pgService = pgDocs.find((o) => o.kind === 'Service');
  pgService.spec.clusterIP = fixture('service-nodeport.json').spec.clusterIP;
  const job = docs('mkbucket.yaml')[0];
  job.status = {
    succeeded: 1,
    conditions: [{ type: 'Complete', status: 'True' }],
  };
  const jobPod = runningPod('mkbucket-x2x9q', { 'job-name': 'mkbucket' }, 'mc');
  jobPod.status.phase = 'Succeeded';
  const pvc = docs('mlflow-pvc.yaml')[0];
  pvc.status = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' } };
  const [deployment, service] = docs('mlflow-deploy.yaml');
  const mlflowPod = runningPod('mlflow-6d9c7b8f5-q8r2t', { app: 'mlflow' }, 'mlflow');
  service.spec.clusterIP = '10.96.44.12';
  const ingress = docs('mlflow-ingress.yaml')[0];
  ingress.status = { loadBalancer: { ingress: [{ ip: '192.168.49.2' }] } };
  const controller = runningPod(
    'ingress-nginx-controller-7c6974c4d8-k5mvz',
    { 'app.kubernetes.io/component': 'controller', namespace: 'ingress-nginx' },
    'controller',
  );
  const authSecret = {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name: 'mlflow-basic-auth', namespace: NS },
    type: 'Opaque',
    data: { auth: b64(readFileSync(htpasswd, 'utf8')) },
  };
  return {
    objects: [
      namespace,
      storageClass,
      minio,
      ...pgDocs,
      mlflowSecret(),
      job,
      jobPod,
      pvc,
      ready(deployment),
      service,
      mlflowPod,
      ingress,
      controller,
      authSecret,
    ],
    logs: { [jobPod.metadata.name]: MKBUCKET_LOG, [mlflowPod.metadata.name]: MLFLOW_LOG },
  };
}

function courseCluster(htpasswd: string): Cluster {
  const { objects, logs } = healthyCluster(htpasswd);
  const dropped = new Set(['mlflow', 'mlflow-6d9c7b8f5-q8r2t']);
  const kept = objects.filter(
    (o) => !(dropped.has(o.metadata.name) && ['Deployment', 'Pod', 'Ingress'].includes(o.kind)),
  );
  // The course's Deployment: the stock image, the s3:// artifact root; the real never-ready status.
  const deployment = docs('mlflow-deploy.yaml')[0];
  const container = deployment.spec.template.spec.containers[0];
  container.image = 'ghcr.io/mlflow/mlflow:v2.14.1';
  container.args = container.args
    .filter((a: string) => a !== '--serve-artifacts')
    .map((a: string) => a.replace('--artifacts-destination', '--default-artifact-root'));
  deployment.status = fixture('deployment-not-ready-gpu.json').status;
  const pod = fixtureItems('pods-crashloop.json', 'Pod')[0];
  pod.metadata = { ...pod.metadata, namespace: NS, labels: { app: 'mlflow' } };
  // The course's Ingress: no ingressClassName, so no controller admits it (no address).
  const ingress = docs('mlflow-ingress.yaml')[0];
  delete ingress.spec.ingressClassName;
  // The PVC waits for a consumer that never starts.
  const pvc = kept.find((o) => o.kind === 'PersistentVolumeClaim');
  pvc.status = { phase: 'Pending' };
  return {
    objects: [...kept, deployment, pod, ingress],
    logs: { ...logs, [pod.metadata.name]: PSYCOPG2_LOG },
  };
}

interface Done {
  result: RunResult;
  code: number | null;
  standIns: StandIns;
}

describe.skipIf(!bundleBuilt() || (!hasHtpasswd && !process.env.CI))(
  'week-11: the client run and every graded check',
  () => {
    let workDir: string;
    let htpasswd: string;
    let bin: string;
    const opened: StandIns[] = [];

    /** `ailab run week-11 --only client` against this cluster and these stand-ins. */
    async function runClient(cluster: Cluster, artifacts: 'proxied' | 's3'): Promise<Done> {
      const dir = makeTempDir('ailab-w11-run-');
      writeFileSync(join(dir, 'htpasswd'), readFileSync(htpasswd));
      const ingress = () => cluster.objects.find((o) => o.kind === 'Ingress');
      const standIns = await startStandIns({ artifacts, ingress, htpasswd: join(dir, 'htpasswd') });
      opened.push(standIns);
      const api = await startKubeApi({
        objects: cluster.objects,
        logs: cluster.logs,
      });
      try {
        const run = await runLab(join(ROOT, 'labs', 'week-11.yaml'), {
          workDir: dir,
          only: ['client'],
          sets: {
            python: DEBIAN_PYTHON,
            port: standIns.mlflowPort,
            minio_port: standIns.minioPort,
            ingress_port: standIns.ingressPort,
            delete_namespace: 'false',
          },
          env: {
            PYTHONPATH: STUB,
            KUBECONFIG: writeKubeconfig(dir, { server: api.url, context: 'minikube' }),
            PATH: `${bin}:${process.env.PATH}`,
          },
        });
        return { result: run.result, code: run.code, standIns };
      } finally {
        await api.close();
      }
    }

    beforeAll(() => {
      workDir = makeTempDir('ailab-w11-');
      // Step 8's own command, for real.
      execFileSync('htpasswd', ['-bc', 'htpasswd', 'admin', 'changeme'], { cwd: workDir, stdio: 'pipe' });
      htpasswd = join(workDir, 'htpasswd');
      // The preflight looks for helm and docker (and kubectl); --only client runs none of them.
      bin = makeTempDir('ailab-w11-bin-');
      for (const tool of ['helm', 'docker', ...(hasKubectl ? [] : ['kubectl'])])
        writeFileSync(
          join(bin, tool),
          `#!/bin/sh\necho "stand-in ${tool}: not run in this test" >&2\nexit 1\n`,
          {
            mode: 0o755,
          },
        );
    });

    afterAll(async () => {
      for (const s of opened) await s.close();
      removeTempDirs();
    });

    it('the htpasswd file is an APR1 entry for admin that openssl verifies', () => {
      const line = readFileSync(htpasswd, 'utf8').trim();
      const salt = /^admin:\$apr1\$([^$]+)\$/.exec(line)?.[1];
      expect(salt).toBeDefined();
      const again = execFileSync('openssl', ['passwd', '-apr1', '-salt', salt as string, 'changeme'], {
        encoding: 'utf8',
      });
      expect(`admin:${again.trim()}`).toBe(line);
    });

    it.skipIf(!hasKubectl)("kubectl renders step 4's secret with the values the check expects", () => {
      const out = execFileSync(
        'kubectl',
        [
          '-n',
          NS,
          'create',
          'secret',
          'generic',
          'mlflow-secrets',
          ...Object.entries(SECRET_VALUES).map(([k, v]) => `--from-literal=${k}=${v}`),
          '--dry-run=client',
          '-o',
          'json',
        ],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(out).data).toEqual(mlflowSecret().data);
    });

    describe('done as the lab says', () => {
      let done: Done;
      beforeAll(async () => {
        done = await runClient(healthyCluster(htpasswd), 'proxied');
      }, 120_000);

      it('runs the client and passes every graded check', () => {
        expect(done.result.status, problems(done.result)).toBe('passed');
        expect(done.code).toBe(0);
        expect(step(done.result, 'client').status).toBe('pass');
        expect(step(done.result, 'client').checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
        expect(done.result.verify.every((c) => c.status === 'pass')).toBe(true);
        expect(done.result.score.percent).toBe(100);
      });

      it('stored hello.txt through the server in the bucket, as proxied artifacts do', () => {
        const keys = [...done.standIns.bucket.keys()];
        expect(keys).toHaveLength(1);
        expect(keys[0]).toMatch(/^0\/[0-9a-f]+\/artifacts\/hello\.txt$/);
        expect(done.standIns.bucket.get(keys[0])?.toString()).toBe('artifact test');
      });

      it('the Ingress refused a request without credentials and let admin/changeme through', () => {
        expect(verifyCheck(done.result, 'no-auth').observed).toMatch(/401/);
        expect(verifyCheck(done.result, 'with-auth').status).toBe('pass');
      });
    });

    describe("with the course's mistakes", () => {
      let done: Done;
      beforeAll(async () => {
        done = await runClient(courseCluster(htpasswd), 's3');
      }, 120_000);

      it("the client's artifact upload fails with the server's s3:// root, and the run ends FAILED", () => {
        expect(done.code).toBe(1);
        const client = step(done.result, 'client');
        expect(client.status).toBe('fail');
        // No boto3 for Debian's Python, or no keys when there is one: the client cannot reach S3.
        expect(client.outputTail).toMatch(
          /No module named 'boto3'|NoCredentialsError|Unable to locate credentials/,
        );
        expect(done.standIns.bucket.size).toBe(0);
      });

      it('fails the checks of what is broken, with what it saw', () => {
        const failed = done.result.verify.filter((c) => c.status !== 'pass').map((c) => c.id);
        expect(failed.sort()).toEqual(
          [
            'artifact',
            'in-bucket',
            'ingress',
            'ingress-admitted',
            'mlflow',
            'mlflow-image',
            'mlflow-log',
            'no-auth',
            'pvc',
            'run-logged',
            'with-auth',
          ].sort(),
        );
        expect(verifyCheck(done.result, 'mlflow').details).toMatch(/ProgressDeadlineExceeded/);
        const log = verifyCheck(done.result, 'mlflow-log');
        expect(log.message).toMatch(/logs does not match \/Listening at/);
        expect(`${log.observed}\n${log.details ?? ''}`).toMatch(
          /ModuleNotFoundError: No module named 'psycopg2'/,
        );
        expect(verifyCheck(done.result, 'mlflow-image').observed).toMatch(
          /ghcr\.io\/mlflow\/mlflow:v2\.14\.1/,
        );
        expect(verifyCheck(done.result, 'ingress').message).toMatch(/ingressClassName/);
        expect(verifyCheck(done.result, 'run-logged').message).toMatch(/FAILED, expected FINISHED/);
        expect(verifyCheck(done.result, 'artifact').hint).toMatch(/--artifacts-destination/);
        // ingress-nginx serves no Ingress without a class: its default backend's 404.
        expect(verifyCheck(done.result, 'no-auth').observed).toMatch(/404/);
        expect(verifyCheck(done.result, 'mlflow').status).toBe('fail');
        expect(done.result.status).toBe('failed');
      });
    });
  },
);

it('client_run.py fails when no MLflow server answers (connection refused)', () => {
  // Without a server, client_run.py fails at its first call (connection refused), as MLflow's does.
  const dir = makeTempDir('ailab-w11-noserver-');
  writeFileSync(
    join(dir, 'client_run.py'),
    readFileSync(join(ROOT, 'templates', 'week-11', 'client_run.py')),
  );
  const out = spawnSync(DEBIAN_PYTHON, ['client_run.py'], {
    cwd: dir,
    env: {
      ...process.env,
      PYTHONPATH: STUB,
      PYTHONDONTWRITEBYTECODE: '1',
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:9',
    },
    encoding: 'utf8',
  });
  expect(out.status).not.toBe(0);
  expect(out.stderr).toMatch(/Connection refused|URLError/);
  expect(existsSync(join(dir, 'last_run.txt'))).toBe(false);
});
