// A stand-in Kubernetes API server on loopback for the kubernetes check: it serves the real recorded
// objects of ../shared/fixtures/kubernetes (discovery, lists, gets, pod logs, events, Status errors)
// over HTTP or HTTPS (a throwaway CA made with openssl), with list semantics a real server has:
// namespaces, label selectors (k=v, k!=v, k) and the field selectors the check uses.
// Things it derives from the fixtures, not recorded: the resource lists of `/api/v1` and of every group
// version but apps/v1 (from the kinds it serves: the core kinds, workloads, Ingress, PDB, StorageClass,
// CRDs, and the Prometheus operator's ServiceMonitor and PrometheusRule), the monitoring.coreos.com
// group in `/apis`, list wrappers
// (`DeploymentList`) around single recorded objects, and 404 Status bodies built on the recorded one.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import { join } from 'node:path';

export const K8S_FIXTURES = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'kubernetes');

// biome-ignore lint/suspicious/noExplicitAny: recorded JSON of any shape
export type Json = any;

/** A recorded fixture, parsed. */
export function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(K8S_FIXTURES, name), 'utf8'));
}

/** The objects of a recorded list (or the one recorded object), with the kind set when the list omits it. */
export function fixtureItems(name: string, kind?: string): Json[] {
  const data = fixture(name);
  const items: Json[] = Array.isArray(data.items) ? data.items : [data];
  return items.map((item) => ({ ...(kind && { kind }), ...item }));
}

const BASES: Record<string, [base: string, plural: string, namespaced: boolean]> = {
  Pod: ['/api/v1', 'pods', true],
  Service: ['/api/v1', 'services', true],
  Node: ['/api/v1', 'nodes', false],
  Event: ['/api/v1', 'events', true],
  Namespace: ['/api/v1', 'namespaces', false],
  ConfigMap: ['/api/v1', 'configmaps', true],
  Secret: ['/api/v1', 'secrets', true],
  PersistentVolumeClaim: ['/api/v1', 'persistentvolumeclaims', true],
  Deployment: ['/apis/apps/v1', 'deployments', true],
  DaemonSet: ['/apis/apps/v1', 'daemonsets', true],
  StatefulSet: ['/apis/apps/v1', 'statefulsets', true],
  Job: ['/apis/batch/v1', 'jobs', true],
  HorizontalPodAutoscaler: ['/apis/autoscaling/v2', 'horizontalpodautoscalers', true],
  Ingress: ['/apis/networking.k8s.io/v1', 'ingresses', true],
  PodDisruptionBudget: ['/apis/policy/v1', 'poddisruptionbudgets', true],
  StorageClass: ['/apis/storage.k8s.io/v1', 'storageclasses', false],
  CustomResourceDefinition: ['/apis/apiextensions.k8s.io/v1', 'customresourcedefinitions', false],
  // The Prometheus operator's CRDs (served with `crds`, the default).
  ServiceMonitor: ['/apis/monitoring.coreos.com/v1', 'servicemonitors', true],
  PrometheusRule: ['/apis/monitoring.coreos.com/v1', 'prometheusrules', true],
};

/** An APIResourceList for a group/version, from the kinds above (as `kubectl api-resources` lists them). */
function resourceList(base: string): Json {
  const groupVersion = base.replace(/^\/apis?\//, '');
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: Object.entries(BASES)
      .filter(([, [b]]) => b === base)
      .map(([kind, [, name, namespaced]]) => ({
        kind,
        name,
        namespaced,
        singularName: kind.toLowerCase(),
        verbs: ['get', 'list'],
      })),
  };
}

export interface KubeApiOptions {
  objects?: Json[];
  /** Pod name → log text. */
  logs?: Record<string, string>;
  /** Serve HTTPS with this certificate and key. */
  tls?: { cert: string; key: string };
  /** Require `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Serve the monitoring.coreos.com group (the Prometheus operator's CRDs); default true. */
  crds?: boolean;
  /** Answer a request first, before the store: return undefined to fall through. */
  respond?: (path: string, url: URL) => { status: number; body: unknown } | undefined;
}

export interface KubeApi {
  url: string;
  port: number;
  /** Every request path with its query, in order. */
  requests: string[];
  close(): Promise<void>;
}

function status(code: number, reason: string, message: string, details: Json = {}): Json {
  // The shape of status-404-notfound.json / status-403-forbidden.json.
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code,
  };
}

function selects(selector: string | null, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne) return labels[ne[1]] !== ne[2];
    const eq = /^([^=]+)==?(.*)$/.exec(term);
    if (eq) return labels[eq[1]] === eq[2];
    return term in labels;
  });
}

function field(object: Json, path: string): unknown {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), object);
}

function fieldSelects(selector: string | null, object: Json): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [, path, op, value] = /^([^!=]+)(!=|==?)(.*)$/.exec(term) ?? [];
    if (!path) return true;
    const actual = String(field(object, path) ?? '');
    return op === '!=' ? actual !== value : actual === value;
  });
}

const PATH =
  /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(log))?$/;

/** Start the stand-in on 127.0.0.1 (a free port). */
export async function startKubeApi(options: KubeApiOptions = {}): Promise<KubeApi> {
  const requests: string[] = [];
  const objects = options.objects ?? [];
  const crds = options.crds ?? true;
  const apis = fixture('discovery-apis.json');
  if (crds) {
    const gv = { groupVersion: 'monitoring.coreos.com/v1', version: 'v1' };
    apis.groups.push({ name: 'monitoring.coreos.com', preferredVersion: gv, versions: [gv] });
  }
  // Recorded discovery where there is a recording; the rest derived from the kinds above.
  const bases = [...new Set(Object.values(BASES).map(([base]) => base))].filter(
    (base) => crds || !base.includes('monitoring.coreos.com'),
  );
  const discovery: Record<string, Json> = {
    ...Object.fromEntries(bases.map((base) => [base, resourceList(base)])),
    '/api': fixture('discovery-api.json'),
    '/apis': apis,
    '/apis/apps/v1': fixture('discovery-apis-apps-v1.json'),
  };

  const answer = (res: ServerResponse, code: number, body: unknown) => {
    const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
    res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    requests.push(`${url.pathname}${url.search}`);
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return answer(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    const custom = options.respond?.(url.pathname, url);
    if (custom) return answer(res, custom.status, custom.body);
    if (discovery[url.pathname]) return answer(res, 200, discovery[url.pathname]);
    const m = PATH.exec(url.pathname);
    const entry = m && Object.entries(BASES).find(([, [base, plural]]) => base === m[1] && plural === m[3]);
    if (!m || !entry)
      return answer(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [kind, [, plural, namespaced]] = entry;
    const [, , namespace, , name, log] = m;
    const found = objects.filter(
      (o) => o.kind === kind && (!namespaced || !namespace || o.metadata?.namespace === namespace),
    );
    if (name) {
      const object = found.find((o) => o.metadata?.name === name);
      if (!object)
        return answer(
          res,
          404,
          status(404, 'NotFound', `${plural} "${name}" not found`, { name, kind: plural }),
        );
      if (log) {
        const text = options.logs?.[name] ?? '';
        const tail = Number(url.searchParams.get('tailLines') ?? 0);
        const lines = text.split('\n');
        return answer(res, 200, tail > 0 && lines.length > tail ? lines.slice(-tail - 1).join('\n') : text);
      }
      return answer(res, 200, object);
    }
    const items = found.filter(
      (o) =>
        selects(url.searchParams.get('labelSelector'), o.metadata?.labels) &&
        fieldSelects(url.searchParams.get('fieldSelector'), o),
    );
    // Items on the wire carry no kind or apiVersion.
    const bare = items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    return answer(res, 200, {
      kind: `${kind}List`,
      apiVersion: m[1].replace(/^\/apis?\//, ''),
      metadata: { resourceVersion: '1' },
      items: bare,
    });
  };

  const server: Server = options.tls
    ? createHttps({ cert: options.tls.cert, key: options.tls.key }, handle)
    : createHttp(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Ca {
  /** PEM of the CA certificate. */
  ca: string;
  /** A server certificate signed by it for 127.0.0.1 and localhost, and its key. */
  cert: string;
  key: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1/localhost, made with openssl in `dir`. */
export function makeCa(dir: string, name = 'ca'): Ca {
  const p = (f: string) => join(dir, `${name}-${f}`);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '2',
    '-subj',
    `/CN=${name}-test-ca`,
  ]);
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    p('server.key'),
    '-out',
    p('server.csr'),
    '-subj',
    '/CN=kube-apiserver',
  ]);
  writeFileSync(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default\n');
  run([
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.crt'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.crt'),
    '-days',
    '2',
    '-extfile',
    p('ext.cnf'),
  ]);
  return {
    ca: readFileSync(p('ca.crt'), 'utf8'),
    cert: readFileSync(p('server.crt'), 'utf8'),
    key: readFileSync(p('server.key'), 'utf8'),
  };
}

export interface KubeconfigOptions {
  server: string;
  /** The CA PEM, embedded as certificate-authority-data (or caFile: a path, as minikube writes it). */
  ca?: string;
  caFile?: string;
  token?: string;
  context?: string;
  namespace?: string;
  /** More contexts, each on the same cluster and user. */
  moreContexts?: string[];
}

/** Write a kubeconfig file (JSON is YAML) and return its path. */
export function writeKubeconfig(dir: string, options: KubeconfigOptions, file = 'config'): string {
  const context = options.context ?? 'stand-in';
  const cluster: Json = { server: options.server };
  if (options.ca) cluster['certificate-authority-data'] = Buffer.from(options.ca).toString('base64');
  if (options.caFile) cluster['certificate-authority'] = options.caFile;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': context,
    clusters: [{ name: 'stand-in', cluster }],
    users: [{ name: 'learner', user: options.token ? { token: options.token } : {} }],
    contexts: [context, ...(options.moreContexts ?? [])].map((name) => ({
      name,
      context: {
        cluster: 'stand-in',
        user: 'learner',
        ...(options.namespace && { namespace: options.namespace }),
      },
    })),
  };
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}
