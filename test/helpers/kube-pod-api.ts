// A stand-in Kubernetes API server for the pod target (k8s://): pods are created (POST, the body
// recorded), read (GET: Pending for the first polls, then Running, or a recorded status such as
// pod-imagepullbackoff.json) and deleted (DELETE, recorded). The exec endpoint is a real WebSocket
// speaking v5.channel.k8s.io / v4.channel.k8s.io (honouring the offered subprotocols): channel 0 stdin,
// 1 stdout, 2 stderr, 3 the Status with the ExitCode cause, 255 close-stdin (v5). No cluster can run
// here, so this stand-in RUNS THE COMMAND LOCALLY (spawned on this machine, in a temp folder as its
// cwd): the pod's file system is this machine's. Status bodies follow status-404-notfound.json.
// The portforward endpoint (v4.channel.k8s.io: channel 0 data, 1 error, each channel's first frame the
// port as 2 bytes little-endian) likewise FORWARDS TO THIS MACHINE'S PORTS: it connects to
// 127.0.0.1:PORT here, as the kubelet dials localhost:PORT in the pod's network namespace. A failed
// dial is answered as the kubelet does — the error text on channel 1, then close — with containerd's
// wording, taken from real reports (github.com/bitsondatadev/trino-getting-started/issues/24 and
// cilium/tetragon#3595).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
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
  /**
   * Another stand-in (test/helpers/kube-api.ts) that answers every GET this one does not own —
   * discovery, other kinds, pod lists — so that one cluster has both ailab's pods and recorded objects.
   */
  passThrough?: string;
}

export interface PodForward {
  port: number;
  protocol: string;
  /** True once the WebSocket and the connection to the port here are both closed. */
  ended: boolean;
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
  /** Port-forward streams: the port, the subprotocol agreed, and whether the stream has ended. */
  forwards: PodForward[];
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

const POD = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(?:\/(exec|portforward))?$/;
const PORTFORWARD_PROTOCOL = 'v4.channel.k8s.io';

/** containerd's text for a refused dial inside the pod (see the header). */
function dialError(port: number, why: string): string {
  const sandbox = 'f4cc9a90e2015b0a6f2bbf2bb2bd7c1a9c1e2d1f9a3e0d4b8f6c2a7e5d3b1c09';
  return `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace "/var/run/netns/cni-f022d74c-5f3a-2b1e-9c4d-7e8a6b5c3d21": failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: dial tcp4 127.0.0.1:${port}: connect: ${why} IPv6 dial tcp6: address localhost: no suitable address found `;
}

export async function startKubePodApi(options: KubePodApiOptions = {}): Promise<KubePodApi> {
  const accepted = options.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  const requests: string[] = [];
  const created: Json[] = [];
  const deleted: string[] = [];
  const execs: { command: string[]; protocol: string }[] = [];
  const forwards: PodForward[] = [];
  const upstreams = new Set<Socket>();
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
    if (options.passThrough && req.method === 'GET' && (!m?.[2] || !pods.has(m[2]))) {
      const upstream = new URL(`${url.pathname}${url.search}`, options.passThrough);
      fetch(upstream, { headers: { accept: req.headers.accept ?? '*/*' } }).then(
        async (answerUp) => {
          res.writeHead(answerUp.status, {
            'content-type': answerUp.headers.get('content-type') ?? 'text/plain',
          });
          res.end(Buffer.from(await answerUp.arrayBuffer()));
        },
        (error: Error) => answer(res, 502, status(502, 'BadGateway', error.message)),
      );
      return;
    }
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
  const forwardWss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has(PORTFORWARD_PROTOCOL) ? PORTFORWARD_PROTOCOL : false),
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
    if (m[3] === 'portforward') {
      forwardWss.handleUpgrade(req, socket, head, (ws) => {
        const port = Number(url.searchParams.get('ports'));
        const record: PodForward = { port, protocol: ws.protocol, ended: false };
        forwards.push(record);
        const send = (channel: number, data: Buffer | string) =>
          ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16LE(port);
        // As the kubelet: both port prefixes first, then the dial, then an error (if any) on channel 1.
        send(0, prefix);
        send(1, prefix);
        const upstream = connect({ host: '127.0.0.1', port });
        upstreams.add(upstream);
        let connected = false;
        let wsClosed = false;
        const ended = () => {
          record.ended = wsClosed && upstream.destroyed;
        };
        upstream.once('connect', () => {
          connected = true;
        });
        upstream.on('data', (c: Buffer) => send(0, c));
        upstream.once('error', (error: NodeJS.ErrnoException) => {
          if (connected || ws.readyState !== ws.OPEN) return;
          send(1, dialError(port, error.code === 'ECONNREFUSED' ? 'connection refused' : error.message));
          ws.close();
        });
        upstream.once('close', () => {
          upstreams.delete(upstream);
          if (ws.readyState === ws.OPEN) ws.close();
          ended();
        });
        ws.on('message', (data: Buffer) => {
          if (data[0] === 0 && data.length > 1) upstream.write(data.subarray(1));
        });
        ws.once('close', () => {
          wsClosed = true;
          upstream.destroy();
          ended();
        });
      });
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
    forwards,
    kubeconfig: writeKubeconfig(makeTempDir('ailab-kubeconfig-'), { server: url, namespace: 'labs' }),
    close: async () => {
      for (const child of children) child.kill('SIGKILL');
      for (const client of wss.clients) client.terminate();
      for (const client of forwardWss.clients) client.terminate();
      for (const upstream of upstreams) upstream.destroy();
      wss.close();
      forwardWss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
