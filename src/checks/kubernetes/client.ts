// A connection to a cluster's API server as the target sees it: the kubeconfig is read through the
// target (this machine, or an SSH host's ~/.kube/config), its files too, and requests go to the endpoint
// the target gives for the server's host:port (a forward through SSH for a remote host) while the TLS
// name stays the server's. @kubernetes/client-node (~300 ms to import) is loaded here, inside run only,
// for what it does well: kubeconfig parsing, merging and credentials (tokens, client certs, exec plugins).
import { posix } from 'node:path';
import type { Endpoint } from '../../targets/types.js';
import type { CheckContext } from '../types.js';
import { describeHttpError, describeNetworkError, KubeProblem } from './diagnose.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface ApiResponse {
  status: number;
  body: string;
}

export interface Connection {
  server: string;
  context: string;
  user: string;
  /** The context's namespace, else `default`. */
  namespace: string;
  /** Where requests went from, for the report (`this machine`, `through SSH to gpu-box`). */
  via: string;
  /** GET a path; network failures throw a KubeProblem with a plain message. */
  get(path: string): Promise<ApiResponse>;
  /** GET a path and parse JSON; a non-2xx answer throws a KubeProblem naming the verb and resource. */
  getJson<T>(path: string, verb: string, resource: string): Promise<T>;
  /** As getJson, but undefined when the server answers 404 (an object that is not there). */
  findJson<T>(path: string, verb: string, resource: string): Promise<T | undefined>;
  close(): Promise<void>;
}

interface KubeconfigFiles {
  paths: string[];
  texts: { path: string; text: string }[];
}

/**
 * Where the kubeconfig is read and the API server is reached from: the target (this machine, or an SSH
 * host's ~/.kube/config through SSH) — except in a pod (k8s://), whose cluster is the one ailab made it
 * in: then this machine's kubeconfig, the pod target's context by default, requests from here.
 */
interface KubeHome {
  /** `""` here, ` on ssh://…` on a remote host: for messages. */
  where: string;
  defaultContext?: string;
  /** $HOME and $KUBECONFIG as the lab shell sees them. */
  env(): Promise<{ home: string; kubeconfig: string }>;
  readFile(path: string): Promise<Buffer | undefined>;
  readRequired(path: string): Promise<Buffer>;
  connectTo(host: string, port: number): Promise<Endpoint>;
}

function kubeHome(ctx: CheckContext): KubeHome {
  const cluster = ctx.target.cluster;
  if (cluster) {
    return {
      where: ` (the cluster of ${ctx.target.uri}, from this machine)`,
      defaultContext: cluster.context,
      env: async () => ({ home: process.env.HOME ?? '', kubeconfig: cluster.kubeconfig ?? '' }),
      readFile: async (path) => {
        const { readFile } = await import('node:fs/promises');
        return readFile(path).catch(() => undefined);
      },
      readRequired: async (path) => (await import('node:fs/promises')).readFile(path),
      connectTo: async (host, port) => ({ host, port, via: 'this machine', close: async () => {} }),
    };
  }
  return {
    where: ctx.target.kind === 'local' ? '' : ` on ${ctx.target.uri}`,
    env: async () => {
      let home = process.env.HOME ?? '';
      let kubeconfig = ctx.target.kind === 'local' ? (process.env.KUBECONFIG ?? '') : '';
      const probe = await ctx.sh('printf "%s\\n%s\\n" "$HOME" "${KUBECONFIG:-}"', { timeoutMs: 10_000 });
      if (probe.exitCode === 0) {
        const [h, k] = probe.stdout.split('\n');
        home = h || home;
        kubeconfig = k ?? '';
      }
      return { home, kubeconfig };
    },
    readFile: async (path) => {
      const stat = await ctx.target.stat(path).catch(() => undefined);
      return stat?.isFile ? ctx.target.readFile(path) : undefined;
    },
    readRequired: (path) => ctx.target.readFile(path),
    connectTo: (host, port) => ctx.target.connectTo(host, port),
  };
}

/** Where the kubeconfig is: $KUBECONFIG (a list) in the lab shell, else ~/.kube/config. */
async function findKubeconfig(home: KubeHome): Promise<KubeconfigFiles> {
  const env = await home.env();
  const paths = env.kubeconfig
    ? env.kubeconfig.split(':').filter(Boolean)
    : [posix.join(env.home || '/root', '.kube', 'config')];
  const texts: { path: string; text: string }[] = [];
  for (const path of paths) {
    const data = await home.readFile(path);
    if (data) texts.push({ path, text: data.toString('utf8') });
  }
  return { paths, texts };
}

/** Open a connection to the API server of a context (`context`, else AILAB_KUBE_CONTEXT, else the current one). */
export async function connect(ctx: CheckContext, contextOption: string | undefined): Promise<Connection> {
  const home = kubeHome(ctx);
  const where = home.where;
  const files = await findKubeconfig(home);
  if (files.texts.length === 0) {
    const named = files.paths.join(', ');
    throw new KubeProblem(
      `no kubeconfig: ${named} does not exist${where}; start the cluster (minikube start, kind create cluster) or set KUBECONFIG`,
    );
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  let kc: InstanceType<typeof KubeConfig> | undefined;
  for (const { path, text } of files.texts) {
    const one = new KubeConfig();
    try {
      one.loadFromString(text);
    } catch (error) {
      throw new KubeProblem(`kubeconfig ${path}${where} is not valid: ${(error as Error).message}`);
    }
    one.makePathsAbsolute(posix.dirname(path));
    // As kubectl does: the first file's current-context wins.
    if (kc) kc.mergeConfig(one, true);
    else kc = one;
  }
  if (!kc) throw new KubeProblem('no kubeconfig');
  const shown = files.texts.map((f) => f.path).join(', ');
  const names = kc.getContexts().map((c) => c.name);
  const list = names.length > 0 ? ` (contexts: ${names.join(', ')})` : ' (it has no contexts)';
  const wanted =
    contextOption ??
    (process.env.AILAB_KUBE_CONTEXT || undefined) ??
    home.defaultContext ??
    kc.getCurrentContext();
  if (!wanted) {
    throw new KubeProblem(
      `kubeconfig ${shown}${where} has no current-context: name one with context: or --kube-context${list}`,
    );
  }
  const context = kc.getContextObject(wanted);
  if (!context) throw new KubeProblem(`context "${wanted}" not found in kubeconfig ${shown}${where}${list}`);
  kc.setCurrentContext(wanted);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubeProblem(
      `context "${wanted}" names cluster "${context.cluster}", which is not in ${shown}${where}`,
    );
  }
  const user = kc.getCurrentUser();
  // Files the kubeconfig names (minikube's ca.crt, client.key) are read through the target, like the kubeconfig.
  const readRef = async (file: string | undefined, what: string) => {
    if (!file) return undefined;
    try {
      return (await home.readRequired(file)).toString('base64');
    } catch (error) {
      throw new KubeProblem(
        `cannot read the ${what} ${file}${where} named in ${shown}: ${(error as Error).message}`,
      );
    }
  };
  const writable = (o: object) => o as Record<string, unknown>;
  if (cluster.caFile) {
    writable(cluster).caData = await readRef(cluster.caFile, 'certificate-authority');
    writable(cluster).caFile = undefined;
  }
  if (user?.certFile) {
    writable(user).certData = await readRef(user.certFile, 'client-certificate');
    writable(user).certFile = undefined;
  }
  if (user?.keyFile) {
    writable(user).keyData = await readRef(user.keyFile, 'client-key');
    writable(user).keyFile = undefined;
  }

  // A plain-HTTP server (kubectl proxy) has no TLS to verify; client-node refuses it unless told so.
  if (cluster.server.startsWith('http:')) writable(cluster).skipTLSVerify = true;
  const tlsOptions: import('node:https').RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(tlsOptions);
  } catch (error) {
    throw new KubeProblem(
      `cannot get credentials for user "${user?.name ?? '?'}" (context ${wanted}): ${(error as Error).message}`,
    );
  }
  const server = new URL(cluster.server);
  const hostname = server.hostname.replace(/^\[|\]$/g, '');
  const port = Number(server.port) || (server.protocol === 'https:' ? 443 : 80);
  let endpoint: Endpoint;
  try {
    endpoint = await home.connectTo(hostname, port);
  } catch (error) {
    throw new KubeProblem(describeNetworkError(error as NodeJS.ErrnoException, cluster.server, wanted));
  }
  const serverName = cluster.tlsServerName ?? hostname;
  const [{ request: open }, tls, { isIP }] = await Promise.all([
    server.protocol === 'https:' ? import('node:https') : import('node:http'),
    import('node:tls'),
    import('node:net'),
  ]);
  const headers = { ...(tlsOptions.headers as Record<string, string> | undefined) };
  if (tlsOptions.auth) headers.authorization = `Basic ${Buffer.from(tlsOptions.auth).toString('base64')}`;

  const get = (path: string) =>
    new Promise<ApiResponse>((resolve, reject) => {
      const req = open(
        {
          host: endpoint.host,
          port: endpoint.port,
          method: 'GET',
          path,
          headers: { ...headers, host: server.host, accept: 'application/json, */*' },
          signal: ctx.signal,
          agent: false,
          ...(server.protocol === 'https:' && {
            ca: tlsOptions.ca,
            cert: tlsOptions.cert,
            key: tlsOptions.key,
            rejectUnauthorized: tlsOptions.rejectUnauthorized ?? true,
            servername: isIP(serverName) ? undefined : serverName,
            // Verify against the server's name, not the loopback end of a forward.
            checkServerIdentity: (_host: string, cert: import('node:tls').PeerCertificate) =>
              tls.checkServerIdentity(serverName, cert),
          }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY_BYTES) chunks.push(chunk);
          });
          res.once('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.once('error', reject);
        },
      );
      req.once('error', (error: NodeJS.ErrnoException) => {
        if (error.name === 'AbortError') reject(error);
        else reject(new KubeProblem(describeNetworkError(error, cluster.server, wanted)));
      });
      req.end();
    });

  const userName = user?.name ?? '(none)';
  const findJson = async <T>(path: string, verb: string, resource: string, missingOk: boolean) => {
    const response = await get(path);
    if (missingOk && response.status === 404) return undefined;
    if (response.status < 200 || response.status >= 300) {
      throw new KubeProblem(
        describeHttpError(response, {
          verb,
          resource,
          user: userName,
          context: wanted,
          server: cluster.server,
        }),
        response.status,
      );
    }
    try {
      return JSON.parse(response.body) as T;
    } catch {
      throw new KubeProblem(
        `${cluster.server}${path} answered ${response.status} with something that is not JSON`,
      );
    }
  };
  return {
    server: cluster.server,
    context: wanted,
    user: userName,
    namespace: context.namespace || 'default',
    via: endpoint.via,
    get,
    getJson: async <T>(path: string, verb: string, resource: string) =>
      (await findJson<T>(path, verb, resource, false)) as T,
    findJson: <T>(path: string, verb: string, resource: string) => findJson<T>(path, verb, resource, true),
    close: () => endpoint.close(),
  };
}
