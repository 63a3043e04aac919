// The pod target (`k8s://CONTEXT/NAMESPACE`): ailab creates one pod in the namespace (CONTEXT `-` or
// empty: the kubeconfig's current context; NAMESPACE empty: the context's, else `default`), waits until
// it runs, runs every command in it through the exec WebSocket (k8s-exec.ts) with `bash -c` (`sh -c`
// where the image has no bash), moves files with base64 over exec, and deletes the pod at close —
// always, also after Ctrl-C (the CLI closes the target in a finally; close is idempotent and bounded).
// Probes (`http`, `port` checks) reach the pod's own ports through port-forward (k8s-portforward.ts).
// The pod sleeps until deleted, and has an activeDeadlineSeconds as a backstop should ailab be killed.
// @kubernetes/client-node is loaded here only (never at module top level) for the kubeconfig.
import type { RequestOptions } from 'node:https';
import { posix } from 'node:path';
import type WebSocket from 'ws';
import { TargetError, UsageError } from '../errors.js';
import { shellQuote } from '../spec/interpolate.js';
import {
  EXEC_PROTOCOLS,
  type PodExecHost,
  type PodRunOptions,
  refusalMessage,
  runInPod,
} from './k8s-exec.js';
import { openPodForward } from './k8s-portforward.js';
import { makeRemoteTempDir, printPidMarker, removeRemotePath } from './remote-command.js';
import type {
  BackgroundProcess,
  Endpoint,
  ExecOptions,
  ExecResult,
  FileStat,
  Target,
  TargetOptions,
} from './types.js';

export const DEFAULT_POD_IMAGE = 'python:3.11-slim';
const CONTAINER = 'lab';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Waiting reasons that will not mend by waiting. */
const FATAL_WAITING = new Set([
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
]);
const POD_DEADLINE_S = 6 * 3600;

export interface K8sTargetOptions extends TargetOptions {
  /** How often to look at the pod while it starts (default 1 s). */
  pollMs?: number;
  /** How long a pod may take to run (default 5 min: an image pull can be slow). */
  readyTimeoutMs?: number;
  /** Bound on deleting the pod at close (default 15 s). */
  deleteTimeoutMs?: number;
  /** How long a port-forward's first stream waits for the pod's dial error (default 250 ms). */
  portForwardSettleMs?: number;
}

export interface PodAddress {
  /** Undefined: the kubeconfig's current context. */
  context?: string;
  namespace?: string;
}

export function parseK8sUri(uri: string): PodAddress {
  const m = /^k8s:\/\/([^/]*)(?:\/([^/]*))?\/?$/i.exec(uri);
  if (!m)
    throw new UsageError(
      `bad pod target "${uri}" (--target)`,
      'use k8s://CONTEXT/NAMESPACE, e.g. k8s://-/labs',
    );
  const context = m[1] && m[1] !== '-' ? decodeURIComponent(m[1]) : undefined;
  const namespace = m[2] ? decodeURIComponent(m[2]) : undefined;
  return { context, namespace };
}

/** `key=value` → {key: value}. */
export function parseNodeSelector(items: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`bad --node-selector "${item}"`, 'use key=value');
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

export interface Toleration {
  key: string;
  operator: 'Equal' | 'Exists';
  value?: string;
  effect?: string;
}

/** `key=value:effect`, `key:effect`, `key=value` or `key` (kubectl taint's syntax) → a toleration. */
export function parseToleration(item: string): Toleration {
  const m = /^([^=:]+)(?:=([^:]*))?(?::(NoSchedule|PreferNoSchedule|NoExecute))?$/.exec(item);
  if (!m)
    throw new UsageError(
      `bad --toleration "${item}"`,
      'use key=value:effect, e.g. nvidia.com/gpu=present:NoSchedule',
    );
  return {
    key: m[1],
    operator: m[2] === undefined ? 'Exists' : 'Equal',
    ...(m[2] !== undefined && { value: m[2] }),
    ...(m[3] && { effect: m[3] }),
  };
}

/** The pod object ailab creates. */
export function podManifest(
  name: string,
  namespace: string,
  options: Pick<TargetOptions, 'image' | 'gpus' | 'nodeSelector' | 'tolerations'>,
): Record<string, unknown> {
  const gpus = options.gpus ?? 0;
  const nodeSelector = parseNodeSelector(options.nodeSelector);
  const tolerations = (options.tolerations ?? []).map(parseToleration);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'ailab', 'app.kubernetes.io/name': 'ailab-lab' },
    },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 2,
      activeDeadlineSeconds: POD_DEADLINE_S,
      ...(Object.keys(nodeSelector).length > 0 && { nodeSelector }),
      ...(tolerations.length > 0 && { tolerations }),
      containers: [
        {
          name: CONTAINER,
          image: options.image ?? DEFAULT_POD_IMAGE,
          command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'],
          ...(gpus > 0 && { resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }),
        },
      ],
    },
  };
}

interface Api {
  server: URL;
  tls: RequestOptions;
  headers: Record<string, string>;
  context: string;
  namespace: string;
  /** The KUBECONFIG list it was read from (undefined: ~/.kube/config). */
  kubeconfig?: string;
}

async function loadApi(address: PodAddress, options: K8sTargetOptions): Promise<Api> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const env = options.env ?? process.env;
  try {
    if (env.KUBECONFIG) {
      const files = env.KUBECONFIG.split(':').filter(Boolean);
      kc.loadFromFile(files[0]);
      for (const file of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    } else kc.loadFromDefault();
  } catch (error) {
    throw new TargetError(`cannot read the kubeconfig: ${(error as Error).message}`);
  }
  const names = kc.getContexts().map((c) => c.name);
  if (names.length === 0)
    throw new TargetError('no kubeconfig with a context: set KUBECONFIG or write ~/.kube/config');
  const wanted = address.context ?? kc.getCurrentContext();
  const context = wanted ? kc.getContextObject(wanted) : undefined;
  if (!context) {
    throw new TargetError(
      `context "${wanted ?? ''}" not found in the kubeconfig (contexts: ${names.join(', ')})`,
      'name one as k8s://CONTEXT/NAMESPACE, or - for the current one',
    );
  }
  kc.setCurrentContext(wanted as string);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new TargetError(`context "${wanted}" has no cluster server`);
  if (cluster.server.startsWith('http:')) (cluster as { skipTLSVerify: boolean }).skipTLSVerify = true;
  const tls: RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(tls);
  } catch (error) {
    throw new TargetError(`cannot get credentials for context ${wanted}: ${(error as Error).message}`);
  }
  const headers = { ...(tls.headers as Record<string, string> | undefined) };
  if (tls.auth) headers.authorization = `Basic ${Buffer.from(tls.auth).toString('base64')}`;
  return {
    server: new URL(cluster.server),
    tls,
    headers,
    kubeconfig: env.KUBECONFIG || undefined,
    context: wanted as string,
    namespace: address.namespace || context.namespace || 'default',
  };
}

interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: API JSON
  json: any;
  text: string;
}

/** Create the pod, wait until it runs, and return the target. */
export async function createK8sTarget(uri: string, options: K8sTargetOptions = {}): Promise<K8sTarget> {
  const api = await loadApi(parseK8sUri(uri), options);
  const target = new K8sTarget(uri, api, options);
  await target.start();
  return target;
}

export class K8sTarget implements Target {
  readonly kind = 'k8s';
  readonly notes: string[] = [];
  readonly podName: string;
  private shell: 'bash' | 'sh' = 'bash';
  private protocol = EXEC_PROTOCOLS[0];
  private created = false;
  private closing?: Promise<void>;
  private readonly sockets = new Set<WebSocket>();
  /** The cluster this pod runs in, for `kubernetes` checks (they reach it from this machine). */
  get cluster(): { context: string; kubeconfig?: string } {
    return { context: this.api.context, kubeconfig: this.api.kubeconfig };
  }
  /** Open probe endpoints (port-forwards), closed before the pod is deleted. */
  private readonly forwards = new Set<Endpoint>();

  constructor(
    readonly uri: string,
    private readonly api: Api,
    private readonly options: K8sTargetOptions = {},
  ) {
    this.podName = `ailab-${Math.random().toString(36).slice(2, 8)}${Date.now().toString(36).slice(-4)}`;
  }

  get namespace(): string {
    return this.api.namespace;
  }

  private get label(): string {
    return `pod ${this.api.namespace}/${this.podName}`;
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 30_000,
  ): Promise<ApiAnswer> {
    const { request } = await (this.api.server.protocol === 'https:'
      ? import('node:https')
      : import('node:http'));
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<ApiAnswer>((resolve, reject) => {
      const req = request(
        {
          ...this.api.tls,
          host: this.api.server.hostname.replace(/^\[|\]$/g, ''),
          port: this.api.server.port || (this.api.server.protocol === 'https:' ? 443 : 80),
          method,
          path,
          agent: false,
          timeout: timeoutMs,
          headers: {
            ...this.api.headers,
            accept: 'application/json',
            ...(text !== undefined && { 'content-type': 'application/json' }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('end', () => {
            const t = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(t);
            } catch {}
            resolve({ status: res.statusCode ?? 0, json, text: t });
          });
          res.once('error', reject);
        },
      );
      req.once('timeout', () =>
        req.destroy(new Error(`no answer from ${this.api.server.origin} in ${timeoutMs} ms`)),
      );
      req.once('error', (error) =>
        reject(
          new TargetError(
            `cannot reach the API server ${this.api.server.origin} (context ${this.api.context}): ${error.message}`,
          ),
        ),
      );
      req.end(text);
    });
  }

  private podPath(sub = ''): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.api.namespace)}/pods${sub}`;
  }

  /** Create the pod and wait until it runs; on failure, delete it and say why. */
  async start(): Promise<void> {
    const created = await this.request(
      'POST',
      this.podPath(),
      podManifest(this.podName, this.api.namespace, this.options),
    );
    if (created.status < 200 || created.status >= 300) {
      throw new TargetError(
        `cannot create a pod in namespace ${this.api.namespace} (context ${this.api.context}): ${created.json?.message ?? `HTTP ${created.status}`}`,
      );
    }
    this.created = true;
    // Ctrl-C while the pod starts: the CLI has no target to close yet, so delete it here.
    const stopped = new AbortController();
    const onSignal = () => stopped.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await this.waitRunning(stopped.signal);
      await this.probe();
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  }

  private async waitRunning(signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 300_000);
    let why = 'it stayed Pending';
    for (;;) {
      if (signal.aborted) throw new TargetError(`interrupted while ${this.label} was starting`);
      const got = await this.request('GET', this.podPath(`/${this.podName}`));
      if (got.status !== 200) {
        throw new TargetError(`cannot read ${this.label}: ${got.json?.message ?? `HTTP ${got.status}`}`);
      }
      const pod = got.json;
      const phase: string = pod.status?.phase ?? 'Pending';
      const waiting = (pod.status?.containerStatuses ?? [])
        .map((c: { state?: { waiting?: { reason?: string; message?: string } } }) => c.state?.waiting)
        .find((w: { reason?: string } | undefined) => w?.reason);
      if (phase === 'Running') return;
      if (phase === 'Failed' || phase === 'Succeeded') {
        throw new TargetError(
          `${this.label} ended (${phase}) before ailab could use it: ${pod.status?.message ?? pod.status?.reason ?? ''}`.trim(),
        );
      }
      const image = pod.spec?.containers?.[0]?.image ?? this.options.image ?? DEFAULT_POD_IMAGE;
      if (waiting && FATAL_WAITING.has(waiting.reason)) {
        const pull = /Image|ErrImage/.test(waiting.reason);
        throw new TargetError(
          `${this.label} cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
          pull
            ? `check the image name "${image}" (--image, or the lab's pod.image) and that the cluster can pull it (imagePullSecrets, registry access)`
            : undefined,
        );
      }
      const unschedulable = (pod.status?.conditions ?? []).find(
        (c: { type?: string; status?: string; reason?: string }) =>
          c.type === 'PodScheduled' && c.status === 'False',
      );
      if (unschedulable) why = `it cannot be scheduled: ${unschedulable.message ?? unschedulable.reason}`;
      else if (waiting)
        why = `its container is waiting: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`;
      if (Date.now() >= deadline) {
        throw new TargetError(
          `${this.label} did not start in time: ${why}`,
          unschedulable
            ? 'check --gpus, --node-selector and --toleration against the nodes (kubectl describe nodes)'
            : undefined,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 1000));
    }
  }

  /** Which exec protocol the server speaks, and whether the image has bash. */
  private async probe(): Promise<void> {
    const result = await runInPod(
      this.execHost(),
      ['sh', '-c', 'command -v bash >/dev/null 2>&1 && echo bash || echo sh'],
      { timeoutMs: 30_000, killable: false },
    );
    if (result.exitCode !== 0) {
      throw new TargetError(
        `cannot run a command in ${this.label}: ${result.stderr.trim() || 'exec failed'}`,
      );
    }
    this.shell = result.stdout.trim() === 'sh' ? 'sh' : 'bash';
    if (this.shell === 'sh') this.notes.push(`the image has no bash: commands ran with sh in ${this.label}`);
  }

  private execHost(): PodExecHost {
    return {
      open: (command, stdin, listen) => this.openExec(command, stdin, listen),
      killGroup: async (pid, signal) => {
        await runInPod(
          this.execHost(),
          ['sh', '-c', `kill -${signal} -${pid} 2>/dev/null || kill -${signal} ${pid} 2>/dev/null; true`],
          { killable: false, timeoutMs: 10_000 },
        );
      },
    };
  }

  private async openExec(
    command: string[],
    stdin: boolean,
    listen: (ws: WebSocket) => void,
  ): Promise<WebSocket> {
    if (this.closing) throw new Error(`${this.label} is being deleted`);
    const { default: WS } = await import('ws');
    const url = new URL(this.podPath(`/${this.podName}/exec`), this.api.server);
    url.protocol = this.api.server.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('container', CONTAINER);
    url.searchParams.set('stdin', String(stdin));
    url.searchParams.set('stdout', 'true');
    url.searchParams.set('stderr', 'true');
    url.searchParams.set('tty', 'false');
    for (const arg of command) url.searchParams.append('command', arg);
    const { ca, cert, key, rejectUnauthorized } = this.api.tls;
    const ws = new WS(url, EXEC_PROTOCOLS, {
      ca,
      cert,
      key,
      rejectUnauthorized,
      headers: this.api.headers,
      handshakeTimeout: 30_000,
    });
    listen(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        refusalMessage(res).then((message) => reject(new Error(`exec in ${this.label} refused: ${message}`)));
      });
      ws.once('error', reject);
    });
    this.protocol = ws.protocol || EXEC_PROTOCOLS[1];
    this.sockets.add(ws);
    ws.once('close', () => this.sockets.delete(ws));
    return ws;
  }

  /** argv running `script` in a process group of its own, its pid printed first. */
  private argv(script: string): string[] {
    const wrap = `set -m\n${this.shell} -c "$1" ailab &\nset +m\n${printPidMarker('$!')}\nwait $!`;
    return [this.shell, '-c', wrap, 'ailab', script];
  }

  private prelude(options: Pick<ExecOptions, 'cwd' | 'env'>): string[] {
    const lines: string[] = [];
    if (options.cwd) lines.push(`cd -- ${shellQuote(options.cwd)} || exit 1`);
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (ENV_NAME.test(name)) lines.push(`export ${name}=${shellQuote(value)}`);
    }
    return lines;
  }

  /** Input on stdin with v5; v4 cannot end stdin, so the input rides in the script. */
  private withInput(script: string, input: string | undefined): { script: string; input?: string } {
    if (input === undefined || this.protocol === EXEC_PROTOCOLS[0]) return { script, input };
    const b64 = Buffer.from(input).toString('base64');
    const feed = `printf %s ${b64} | base64 -d`;
    return {
      script: this.shell === 'bash' ? `exec 0< <(${feed})\n${script}` : `${feed} | {\n${script}\n}`,
      input: undefined,
    };
  }

  private async run(script: string, options: PodRunOptions = {}): Promise<ExecResult> {
    const { script: body, input } = this.withInput(script, options.input);
    return runInPod(this.execHost(), this.argv(body), { timeoutMs: 60_000, ...options, input });
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const script = [...this.prelude(options), command].join('\n');
    const { script: body, input } = this.withInput(script, options.input);
    return runInPod(this.execHost(), this.argv(body), { ...options, input });
  }

  async spawnBackground(
    command: string,
    options: ExecOptions & { logPath: string },
  ): Promise<BackgroundProcess> {
    const inner = [...this.prelude(options), command].join('\n');
    const log = shellQuote(options.logPath);
    const script = [
      `mkdir -p -- ${shellQuote(posix.dirname(options.logPath))} || exit 1`,
      'set -m',
      `${this.shell} -c ${shellQuote(inner)} >> ${log} 2>&1 < /dev/null &`,
      'set +m',
      printPidMarker('$!'),
      'wait $!',
    ].join('\n');
    const started = Date.now();
    let running = true;
    let pidKnown: (pid: number | undefined) => void = () => {};
    const pidPromise = new Promise<number | undefined>((resolve) => {
      pidKnown = resolve;
    });
    // No wrapper here: the script itself puts the service in a group and prints its pid.
    const exited = runInPod(this.execHost(), [this.shell, '-c', script], {
      killable: false,
      onPid: (p) => pidKnown(p),
    }).then((r): ExecResult => {
      running = false;
      pidKnown(undefined);
      const { status: _s, ...rest } = r;
      const signal = r.exitCode === 143 ? 'SIGTERM' : r.exitCode === 137 ? 'SIGKILL' : undefined;
      return {
        ...rest,
        exitCode: signal ? null : r.exitCode,
        signal: signal ?? r.signal,
        stdout: '',
        stderr: '',
        durationMs: Date.now() - started,
      };
    });
    const pid = await pidPromise;
    return {
      pid,
      logPath: options.logPath,
      exited,
      isRunning: () => running,
      stop: async (graceMs = 2000) => {
        if (pid === undefined || !running) return;
        const steps = Math.max(1, Math.ceil(graceMs / 50));
        await runInPod(
          this.execHost(),
          [
            'sh',
            '-c',
            `kill -TERM -${pid} 2>/dev/null || exit 0; i=0; while kill -0 -${pid} 2>/dev/null && [ $i -lt ${steps} ]; do sleep 0.05; i=$((i+1)); done; kill -KILL -${pid} 2>/dev/null; true`,
          ],
          { killable: false, timeoutMs: graceMs + 10_000 },
        );
        if (running)
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      },
    };
  }

  async readFile(path: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const q = shellQuote(path);
    const read = options.maxBytes === undefined ? `cat -- ${q}` : `head -c ${options.maxBytes} -- ${q}`;
    const result = await this.run(`[ -f ${q} ] || { [ -e ${q} ] && exit 4; exit 3; }\n${read} | base64`, {
      maxOutputBytes: Number.MAX_SAFE_INTEGER,
    });
    if (result.exitCode === 3 || result.exitCode === 4) {
      const error = new Error(
        result.exitCode === 3
          ? `ENOENT: no such file: ${path} in ${this.label}`
          : `EISDIR: ${path} is not a file in ${this.label}`,
      ) as NodeJS.ErrnoException;
      error.code = result.exitCode === 3 ? 'ENOENT' : 'EISDIR';
      throw error;
    }
    if (result.exitCode !== 0)
      throw new Error(`cannot read ${path} in ${this.label}: ${result.stderr.trim()}`);
    return Buffer.from(result.stdout.replace(/\s+/g, ''), 'base64');
  }

  async writeFile(path: string, data: string | Buffer, mode?: number): Promise<void> {
    const q = shellQuote(path);
    const chmod = mode === undefined ? '' : ` && chmod ${mode.toString(8)} -- ${q}`;
    const result = await this.run(
      `mkdir -p -- ${shellQuote(posix.dirname(path))} && base64 -d > ${q}${chmod}`,
      {
        input: Buffer.from(data).toString('base64'),
      },
    );
    if (result.exitCode !== 0)
      throw new Error(`cannot write ${path} in ${this.label}: ${result.stderr.trim()}`);
  }

  async stat(path: string): Promise<FileStat> {
    const result = await this.run(`stat -L -c '%F|%a|%s' -- ${shellQuote(path)}`);
    const m = /^([^|]*)\|([0-7]+)\|(\d+)$/.exec(result.stdout.trim());
    if (result.exitCode !== 0 || !m)
      return { exists: false, isFile: false, isDirectory: false, mode: 0, size: 0 };
    return {
      exists: true,
      isFile: m[1].startsWith('regular'),
      isDirectory: m[1] === 'directory',
      mode: Number.parseInt(m[2], 8),
      size: Number(m[3]),
    };
  }

  mkdtemp(prefix: string): Promise<string> {
    return makeRemoteTempDir((command) => this.run(command), `in ${this.label}`, prefix);
  }

  remove(path: string): Promise<void> {
    return removeRemotePath((command) => this.run(command), `in ${this.label}`, path);
  }

  /** A loopback endpoint here that reaches `port` on the pod's own loopback, through port-forward. */
  async connectTo(host: string, port: number): Promise<Endpoint> {
    if (this.closing) throw new TargetError(`${this.label} is being deleted`);
    const url = new URL(this.podPath(`/${this.podName}/portforward`), this.api.server);
    url.protocol = this.api.server.protocol === 'https:' ? 'wss:' : 'ws:';
    const { ca, cert, key, rejectUnauthorized } = this.api.tls;
    const endpoint = await openPodForward(
      {
        url,
        tls: { ca, cert, key, rejectUnauthorized },
        headers: this.api.headers,
        podName: this.podName,
        label: this.label,
        settleMs: this.options.portForwardSettleMs,
      },
      host,
      port,
    );
    if (this.closing) {
      await endpoint.close();
      throw new TargetError(`${this.label} is being deleted`);
    }
    this.forwards.add(endpoint);
    return {
      ...endpoint,
      close: async () => {
        this.forwards.delete(endpoint);
        await endpoint.close();
      },
    };
  }

  /** Delete the pod (once; later calls wait for the same deletion), bounded by a timeout. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const endpoint of [...this.forwards]) await endpoint.close().catch(() => {});
      this.forwards.clear();
      for (const ws of this.sockets) ws.terminate();
      if (!this.created) return;
      const timeoutMs = this.options.deleteTimeoutMs ?? 15_000;
      try {
        const answer = await this.request(
          'DELETE',
          this.podPath(`/${this.podName}?gracePeriodSeconds=2`),
          undefined,
          timeoutMs,
        );
        if (answer.status >= 300 && answer.status !== 404)
          throw new Error(answer.json?.message ?? `HTTP ${answer.status}`);
      } catch (error) {
        const message = `could not delete ${this.label}: ${(error as Error).message}; delete it with: kubectl --context ${this.api.context} -n ${this.api.namespace} delete pod ${this.podName}`;
        this.notes.push(message);
        process.stderr.write(`ailab: ${message}\n`);
      }
    })();
    return this.closing;
  }
}
