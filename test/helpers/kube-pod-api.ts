// A stand-in Kubernetes API server for the pod target (k8s://): pods are created (POST, the body
// recorded), read (GET: Pending for the first polls, then Running, or a recorded status such as
// pod-imagepullbackoff.json) and deleted (DELETE, recorded). The exec endpoint is a real WebSocket
// speaking v5.channel.k8s.io / v4.channel.k8s.io (honouring the offered subprotocols): channel 0 stdin,
// 1 stdout, 2 stderr, 3 the Status with the ExitCode cause, 255 close-stdin (v5). No cluster can run
// here, so this stand-in RUNS THE COMMAND LOCALLY (spawned on this machine, in a temp folder as its
// cwd): the pod's file system is this machine's. Status bodies follow status-404-notfound.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import { type Json, writeKubeconfig } from './kube-api.js';
import { makeTempDir } from './temp-dirs.js';

export interface KubePodApiOptions {
  /** Exec subprotocols the server accepts, in preference order (default v5 then v4). */
  protocols?: string[];
  /** GETs that answer Pending before Running (default 1). */
  pendingPolls?: number;
  /** Replace the pod's status (a recorded one): return undefined for the default. */
  podStatus?: (pod: Json, polls: number) => Json | undefined;
}

export interface KubePodApi {
  url: string;
  /** `METHOD path?query`, in order. */
  requests: string[];
  /** Bodies of POSTed pods. */
  created: Json[];
  /** Names of deleted pods. */
  deleted: string[];
  /** Exec requests: the argv and the subprotocol agreed. */
  execs: { command: string[]; protocol: string }[];
  /** A kubeconfig for this server (context `stand-in`, namespace `labs`). */
  kubeconfig: string;
  close(): Promise<void>;
}

function status(code: number, reason: string, message: string): Json {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: {},
    code,
  };
}

const POD = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(?:\/(exec))?$/;

export async function startKubePodApi(options: KubePodApiOptions = {}): Promise<KubePodApi> {
  const accepted = options.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  const requests: string[] = [];
  const created: Json[] = [];
  const deleted: string[] = [];
  const execs: { command: string[]; protocol: string }[] = [];
  const pods = new Map<string, { pod: Json; polls: number }>();
  const children = new Set<ChildProcess>();
  const cwd = makeTempDir('ailab-pod-');

  const answer = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify(body)}\n`);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const m = POD.exec(url.pathname);
    if (!m)
      return answer(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, namespace, name] = m;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && !name) {
        const pod = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        created.push(pod);
        pod.metadata.namespace = namespace;
        pod.metadata.uid = `uid-${created.length}`;
        pod.status = { phase: 'Pending' };
        pods.set(pod.metadata.name, { pod, polls: 0 });
        return answer(res, 201, pod);
      }
      const entry = name ? pods.get(name) : undefined;
      if (!entry) return answer(res, 404, status(404, 'NotFound', `pods "${name}" not found`));
      if (req.method === 'DELETE') {
        pods.delete(name);
        deleted.push(name);
        return answer(res, 200, entry.pod);
      }
      if (req.method === 'GET') {
        entry.polls++;
        const custom = options.podStatus?.(entry.pod, entry.polls);
        entry.pod.status =
          custom ??
          (entry.polls > (options.pendingPolls ?? 1)
            ? { phase: 'Running', containerStatuses: [{ name: 'lab', ready: true, state: { running: {} } }] }
            : {
                phase: 'Pending',
                containerStatuses: [{ name: 'lab', state: { waiting: { reason: 'ContainerCreating' } } }],
              });
        return answer(res, 200, entry.pod);
      }
      answer(res, 405, status(405, 'MethodNotAllowed', 'method not allowed'));
    });
  });

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => [...offered].find((p) => accepted.includes(p)) ?? false,
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    requests.push(`UPGRADE ${url.pathname}${url.search}`);
    const m = POD.exec(url.pathname);
    if (!m?.[3] || !pods.has(m[2])) {
      socket.end(
        'HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\r\n{"kind":"Status","message":"pods not found"}',
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const command = url.searchParams.getAll('command');
      execs.push({ command, protocol: ws.protocol });
      const child = spawn(command[0], command.slice(1), { cwd, stdio: 'pipe' });
      children.add(child);
      const send = (channel: number, data: Buffer | string) =>
        ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
      child.stdout.on('data', (c: Buffer) => send(1, c));
      child.stderr.on('data', (c: Buffer) => send(2, c));
      child.stdin.on('error', () => {});
      if (url.searchParams.get('stdin') !== 'true') child.stdin.end();
      ws.on('message', (data: Buffer) => {
        if (data[0] === 0) child.stdin.write(data.subarray(1));
        else if (data[0] === 255 && data[1] === 0 && ws.protocol === 'v5.channel.k8s.io') child.stdin.end();
      });
      ws.on('close', () => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('error', (error) => {
        send(3, JSON.stringify(status(500, 'InternalError', `exec failed: ${error.message}`)));
        ws.close();
      });
      child.on('close', (code, signal) => {
        children.delete(child);
        const exit = code ?? (signal === 'SIGKILL' ? 137 : 143);
        send(
          3,
          JSON.stringify(
            exit === 0
              ? { metadata: {}, status: 'Success' }
              : {
                  metadata: {},
                  status: 'Failure',
                  message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exit}`,
                  reason: 'NonZeroExitCode',
                  details: { causes: [{ reason: 'ExitCode', message: String(exit) }] },
                },
          ),
        );
        ws.close();
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    created,
    deleted,
    execs,
    kubeconfig: writeKubeconfig(makeTempDir('ailab-kubeconfig-'), { server: url, namespace: 'labs' }),
    close: async () => {
      for (const child of children) child.kill('SIGKILL');
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
