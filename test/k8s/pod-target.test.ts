// The pod target (k8s://CONTEXT/NAMESPACE) against a stand-in API server (test/helpers/kube-pod-api.ts).
// No Kubernetes cluster can run here, so the stand-in's exec endpoint runs each command with a local
// bash (the pod's file system is this machine's); what is tested is the target's side: the pod it
// creates, the exec WebSocket protocol (v5 and v4), exit codes, timeouts, files, and deletion. Its
// portforward endpoint forwards to this machine's ports, so probes reach real local servers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { check as httpCheck } from '../../src/checks/http.js';
import { check as kubernetesCheck } from '../../src/checks/kubernetes/index.js';
import { check as portCheck } from '../../src/checks/port.js';
import { runLab } from '../../src/engine/run-lab.js';
import { resolveValues } from '../../src/engine/values.js';
import { loadLab } from '../../src/spec/load.js';
import { createK8sTarget, type K8sTarget, parseK8sUri, parseToleration } from '../../src/targets/k8s.js';
import { makeCheckContext, removeCheckContexts } from '../helpers/check-context.js';
import { fixture, fixtureItems, startKubeApi } from '../helpers/kube-api.js';
import { type KubePodApi, type KubePodApiOptions, startKubePodApi } from '../helpers/kube-pod-api.js';
import { freePort, isPortOpen } from '../helpers/net.js';
import { sampleLabPath } from '../helpers/run-sample-lab.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

let api: KubePodApi | undefined;
let target: K8sTarget | undefined;

let web: Server | undefined;

afterEach(async () => {
  await target?.close();
  await api?.close();
  web?.closeAllConnections();
  await new Promise<void>((resolve) => (web ? web.close(() => resolve()) : resolve()));
  target = undefined;
  api = undefined;
  web = undefined;
});

afterAll(() => removeCheckContexts());

/** A real HTTP server on this machine's loopback (the stand-in pod's network is this machine's). */
async function startWeb(handler: Parameters<typeof createServer>[1]): Promise<number> {
  web = createServer(handler);
  await new Promise<void>((resolve) => web?.listen(0, '127.0.0.1', () => resolve()));
  const address = web.address();
  return typeof address === 'object' && address ? address.port : 0;
}

const openConnections = () =>
  new Promise<number>((resolve, reject) =>
    web?.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

async function until(condition: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function open(uri = 'k8s://stand-in/labs', apiOptions: KubePodApiOptions = {}, extra = {}) {
  api = await startKubePodApi(apiOptions);
  target = await createK8sTarget(uri, { env: { KUBECONFIG: api.kubeconfig }, pollMs: 10, ...extra });
  return target;
}

describe('pod target', () => {
  it('parses k8s://CONTEXT/NAMESPACE and tolerations', () => {
    expect(parseK8sUri('k8s://gpu-ci/labs')).toEqual({ context: 'gpu-ci', namespace: 'labs' });
    expect(parseK8sUri('k8s://-/labs')).toEqual({ context: undefined, namespace: 'labs' });
    expect(parseK8sUri('k8s://')).toEqual({ context: undefined, namespace: undefined });
    expect(parseToleration('nvidia.com/gpu=present:NoSchedule')).toEqual({
      key: 'nvidia.com/gpu',
      operator: 'Equal',
      value: 'present',
      effect: 'NoSchedule',
    });
    expect(parseToleration('nvidia.com/gpu:NoSchedule')).toEqual({
      key: 'nvidia.com/gpu',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
  });

  it('creates a pod with the image, GPU limits, node selector, tolerations and labels, waits until Running', async () => {
    const t = await open(
      'k8s://-/labs',
      {},
      {
        image: 'nvcr.io/nvidia/pytorch:24.05-py3',
        gpus: 2,
        nodeSelector: ['accelerator=nvidia-t4'],
        tolerations: ['nvidia.com/gpu=present:NoSchedule'],
      },
    );
    const pod = api?.created[0];
    expect(pod.metadata.name).toBe(t.podName);
    expect(pod.metadata.labels['app.kubernetes.io/managed-by']).toBe('ailab');
    expect(pod.spec.containers[0].image).toBe('nvcr.io/nvidia/pytorch:24.05-py3');
    expect(pod.spec.containers[0].resources.limits).toEqual({ 'nvidia.com/gpu': '2' });
    expect(pod.spec.nodeSelector).toEqual({ accelerator: 'nvidia-t4' });
    expect(pod.spec.tolerations[0]).toMatchObject({
      key: 'nvidia.com/gpu',
      value: 'present',
      effect: 'NoSchedule',
    });
    expect(
      api?.requests.filter((r) => r.startsWith(`GET /api/v1/namespaces/labs/pods/${t.podName}`)).length,
    ).toBeGreaterThanOrEqual(2);
    await t.close();
    await t.close();
    expect(api?.deleted).toEqual([t.podName]);
  });

  it('defaults to python:3.11-slim and no GPU', async () => {
    await open();
    expect(api?.created[0].spec.containers[0].image).toBe('python:3.11-slim');
    expect(api?.created[0].spec.containers[0].resources).toBeUndefined();
  });

  for (const protocol of ['v5.channel.k8s.io', 'v4.channel.k8s.io']) {
    it(`exec gives exit codes, stdout, stderr and stdin over ${protocol}`, async () => {
      const t = await open('k8s://stand-in/labs', { protocols: [protocol] });
      const ok = await t.exec('echo out; echo err >&2');
      expect(ok).toMatchObject({ exitCode: 0, stdout: 'out\n', stderr: 'err\n', timedOut: false });
      expect((await t.exec('exit 3')).exitCode).toBe(3);
      expect((await t.exec('cat', { input: 'fed in' })).stdout).toBe('fed in');
      expect((await t.exec('pwd; echo $FOO', { cwd: '/', env: { FOO: 'bar' } })).stdout).toBe('/\nbar\n');
      expect(api?.execs.at(-1)?.protocol).toBe(protocol);
      expect(api?.execs.at(-1)?.command[0]).toBe('bash');
    });
  }

  it('writes, reads and stats files, makes and removes temp folders', async () => {
    const t = await open();
    const dir = await t.mkdtemp('ailab-k8s-');
    const data = Buffer.from([0, 1, 2, 255, 10, 65]);
    await t.writeFile(`${dir}/sub/bin.dat`, data, 0o640);
    expect(readFileSync(join(dir, 'sub', 'bin.dat'))).toEqual(data);
    expect(await t.readFile(`${dir}/sub/bin.dat`)).toEqual(data);
    expect(await t.readFile(`${dir}/sub/bin.dat`, { maxBytes: 2 })).toEqual(data.subarray(0, 2));
    expect(await t.stat(`${dir}/sub/bin.dat`)).toEqual({
      exists: true,
      isFile: true,
      isDirectory: false,
      mode: 0o640,
      size: 6,
    });
    expect((await t.stat(`${dir}/sub`)).isDirectory).toBe(true);
    expect((await t.stat(`${dir}/none`)).exists).toBe(false);
    await expect(t.readFile(`${dir}/none`)).rejects.toMatchObject({ code: 'ENOENT' });
    await t.remove(dir);
    expect(existsSync(dir)).toBe(false);
  });

  it('a timeout kills the process group in the pod', async () => {
    const t = await open();
    const dir = makeTempDir('ailab-k8s-timeout-');
    const result = await t.exec(`sh -c 'echo $$ > ${dir}/pid; exec sleep 30'`, { timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.durationMs).toBeLessThan(5000);
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('runs a whole lab in the pod, shell state across steps, and deletes the pod', async () => {
    const t = await open();
    const lab = await loadLab(sampleLabPath('shell-state'));
    const { values, secrets } = await resolveValues(lab, { sets: [] });
    const workDir = await t.mkdtemp('ailab-lab-');
    const result = await runLab(lab, {
      mode: 'run',
      values,
      secrets,
      workDir,
      target: t,
      signal: new AbortController().signal,
      version: '0.0.0-test',
    });
    const steps = Object.fromEntries(result.steps.map((s) => [s.id, s]));
    expect(result.status).toBe('passed');
    expect(steps.see.outputTail).toContain(
      'dir=sub\nfoo=bar\nplain=hidden\nchild=[]\ngreet=hello world\ntool=mytool-ran\nsourced=yes',
    );
    expect(steps.after.outputTail).toContain('dir=sub step_only=[] foo=bar');
    await t.close();
    expect(api?.deleted).toEqual([t.podName]);
  });

  // The group kill must work in the pod's /bin/sh: dash's kill takes no `--` (it once silently failed
  // there, leaving the step's child holding the stream open).
  it('deletes the pod after an abort (Ctrl-C) mid-step', async () => {
    const t = await open();
    const lab = await loadLab(sampleLabPath('interrupt'));
    const { values, secrets } = await resolveValues(lab, { sets: [] });
    const workDir = await t.mkdtemp('ailab-lab-');
    const controller = new AbortController();
    const running = runLab(lab, {
      mode: 'run',
      values,
      secrets,
      workDir,
      target: t,
      signal: controller.signal,
      version: '0.0.0-test',
      onEvent: (event) => {
        if (event.type === 'step-start' && event.step.id === 'long')
          setTimeout(() => controller.abort(), 300);
      },
    });
    const result = await Promise.race([
      running,
      new Promise((_, reject) =>
        setTimeout(
          () =>
            reject(
              new Error(
                `not stopped ${JSON.stringify(api?.execs.map((e) => e.command.at(-1)?.slice(0, 60)))}`,
              ),
            ),
          10_000,
        ),
      ),
    ]);
    expect((result as { status: string }).status).not.toBe('passed');
    expect(existsSync(join(workDir, 'after-ran'))).toBe(false);
    // As the CLI does in its finally.
    await t.close();
    expect(api?.deleted).toEqual([t.podName]);
  });

  it('ImagePullBackOff fails with a clear error naming the image, and deletes the pod', async () => {
    const recorded = fixture('pod-imagepullbackoff.json').status;
    api = await startKubePodApi({ podStatus: () => recorded });
    const failed = createK8sTarget('k8s://stand-in/labs', {
      env: { KUBECONFIG: api.kubeconfig },
      pollMs: 10,
      image: 'nosuch/image:1',
    });
    await expect(failed).rejects.toThrow(/cannot start: ImagePullBackOff: Back-off pulling image/);
    await expect(failed).rejects.toMatchObject({ hint: expect.stringContaining('nosuch/image:1') });
    expect(api.deleted).toHaveLength(1);
  });

  it('a pod that cannot be scheduled times out with the scheduler message', async () => {
    const recorded = fixture('pods-pending-gpu.json').items[0].status;
    api = await startKubePodApi({ podStatus: () => recorded });
    await expect(
      createK8sTarget('k8s://stand-in/labs', {
        env: { KUBECONFIG: api.kubeconfig },
        pollMs: 10,
        readyTimeoutMs: 200,
        gpus: 5,
      }),
    ).rejects.toThrow(
      /did not start in time: it cannot be scheduled: 0\/1 nodes are available: 1 Insufficient nvidia.com\/gpu/,
    );
    expect(api.deleted).toHaveLength(1);
  });

  it('an unknown context is a clear error', async () => {
    api = await startKubePodApi();
    await expect(createK8sTarget('k8s://nope/labs', { env: { KUBECONFIG: api.kubeconfig } })).rejects.toThrow(
      /context "nope" not found in the kubeconfig \(contexts: stand-in\)/,
    );
    expect(api.created).toHaveLength(0);
  });
});

describe('probes into the pod (port-forward)', () => {
  it('an http check reaches a server in the pod, via port-forward', async () => {
    const port = await startWeb((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'ok', path: req.url, host: req.headers.host }));
    });
    const t = await open();
    const ctx = makeCheckContext({ target: t });
    const outcome = await httpCheck.run(
      ctx,
      httpCheck.schema.parse({
        url: `http://localhost:${port}/health?x=1`,
        json: { '$.status': 'ok', '$.path': '/health?x=1', '$.host': `localhost:${port}` },
      }),
    );
    expect(outcome.status, outcome.message).toBe('pass');
    expect(outcome.message).toContain(`(via through port-forward to pod labs/${t.podName})`);
    expect(api?.requests).toContain(
      `UPGRADE /api/v1/namespaces/labs/pods/${t.podName}/portforward?ports=${port}`,
    );
    expect(api?.forwards[0]).toMatchObject({ port, protocol: 'v4.channel.k8s.io' });

    const wrong = await httpCheck.run(
      ctx,
      httpCheck.schema.parse({ url: `http://127.0.0.1:${port}/`, status: 404, body: 'nothing' }),
    );
    expect(wrong.status).toBe('fail');
    expect(wrong.details).toContain('"status":"ok"');
  });

  it('a port check: open on a listening port, closed (not an error) on a free one', async () => {
    const port = await startWeb((_req, res) => res.end('up'));
    const free = await freePort();
    const t = await open();
    const ctx = makeCheckContext({ target: t });
    const open_ = await portCheck.run(ctx, portCheck.schema.parse({ port }));
    expect(open_).toMatchObject({ status: 'pass', observed: 'open' });
    expect(open_.message).toBe(
      `port ${port} on 127.0.0.1 is open (via through port-forward to pod labs/${t.podName})`,
    );

    const closed = await portCheck.run(ctx, portCheck.schema.parse({ port: free, host: 'localhost' }));
    expect(closed).toMatchObject({ status: 'fail', observed: 'closed (ECONNREFUSED)', expected: 'open' });
    const wantClosed = await portCheck.run(ctx, portCheck.schema.parse({ port: free, state: 'closed' }));
    expect(wantClosed.status).toBe('pass');

    // The refusal is the kubelet's error text on channel 1, turned into ECONNREFUSED.
    const refused = t.connectTo('127.0.0.1', free);
    await expect(refused).rejects.toMatchObject({
      code: 'ECONNREFUSED',
      message: `connection refused (port ${free} in pod labs/${t.podName})`,
    });
    const http = await httpCheck.run(ctx, httpCheck.schema.parse({ url: `http://localhost:${free}/` }));
    expect(http).toMatchObject({ status: 'fail', observed: 'connection refused' });
  });

  it('a host other than the pod itself is a clear error with a hint', async () => {
    const t = await open();
    const failed = t.connectTo('10.96.0.10', 53);
    await expect(failed).rejects.toThrow(
      `cannot probe 10.96.0.10:53 through port-forward to pod labs/${t.podName}: a port-forward reaches only the pod's own ports`,
    );
    await expect(failed).rejects.toMatchObject({ hint: expect.stringContaining('command check') });
    const ctx = makeCheckContext({ target: t });
    const http = await httpCheck.run(
      ctx,
      httpCheck.schema.parse({ url: 'http://my-svc.default.svc.cluster.local:8080/' }),
    );
    expect(http.status).toBe('fail');
    expect(http.message).toContain('a port-forward reaches only the pod');
    const port = await portCheck.run(ctx, portCheck.schema.parse({ port: 22, host: 'example.com' }));
    expect(port.status).toBe('error');
    expect(port.message).toContain('a port-forward reaches only the pod');
    expect(api?.forwards).toEqual([]);
  });

  it('runs a lab whose background server in the pod is graded by http and port checks', async () => {
    const port = await freePort();
    const t = await open();
    const lab = await loadLab(sampleLabPath('pod-probe'));
    const { values, secrets } = await resolveValues(lab, { sets: [`port=${port}`] });
    const workDir = await t.mkdtemp('ailab-lab-');
    const result = await runLab(lab, {
      mode: 'run',
      values,
      secrets,
      workDir,
      target: t,
      signal: new AbortController().signal,
      version: '0.0.0-test',
    });
    const serve = result.steps.find((s) => s.id === 'serve');
    expect(result.status, JSON.stringify(result.steps.map((s) => [s.id, s.status, s.message]))).toBe(
      'passed',
    );
    expect(serve?.checks?.[0]?.message).toContain('via through port-forward');
    expect(result.verify[0]).toMatchObject({ id: 'page', status: 'pass' });
    expect(result.verify[0].message).toContain(`via through port-forward to pod labs/${t.podName}`);
    // Cleanup stopped the server in the pod, and every forward has ended.
    expect(await isPortOpen(port)).toBe(false);
    await until(() => api?.forwards.every((f) => f.ended) ?? false);
    await t.close();
    expect(api?.deleted).toEqual([t.podName]);
  });

  it('endpoint.close and target.close end every forward and local socket', async () => {
    // A server that never answers: the connections stay open until someone closes them.
    const port = await startWeb(() => {});
    const t = await open();
    const endpoint = await t.connectTo('localhost', port);
    expect(endpoint.host).toBe('127.0.0.1');
    expect(endpoint.via).toBe(`through port-forward to pod labs/${t.podName}`);
    const sockets = [0, 1].map(() => connect({ host: endpoint.host, port: endpoint.port }));
    for (const s of sockets) {
      s.on('error', () => {});
      s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    }
    await until(async () => (await openConnections()) === 2 && api?.forwards.length === 2);
    expect(api?.forwards.every((f) => !f.ended)).toBe(true);

    await endpoint.close();
    await until(
      async () => (await openConnections()) === 0 && (api?.forwards.every((f) => f.ended) ?? false),
    );
    await until(() => sockets.every((s) => s.destroyed || s.readableEnded));
    expect(await isPortOpen(endpoint.port)).toBe(false);

    // One left open: the target closes it before it deletes the pod.
    const left = await t.connectTo('127.0.0.1', port);
    const socket = connect({ host: left.host, port: left.port });
    socket.on('error', () => {});
    await until(async () => (await openConnections()) === 1);
    await t.close();
    expect(api?.deleted).toEqual([t.podName]);
    await until(
      async () => (await openConnections()) === 0 && (api?.forwards.every((f) => f.ended) ?? false),
    );
    expect(await isPortOpen(left.port)).toBe(false);
    await expect(t.connectTo('127.0.0.1', port)).rejects.toThrow(/is being deleted/);
    await left.close();
  });

  it('kubernetes checks in a pod grade the cluster the pod runs in, from this machine', async () => {
    // One cluster: the pod stand-in owns ailab's pod and passes every other GET to a stand-in serving
    // recorded objects (a GPU node, a ready Deployment).
    const objects = await startKubeApi({
      objects: [...fixtureItems('nodes-gpu.json', 'Node'), ...fixtureItems('deployment-ready.json')],
    });
    try {
      api = await startKubePodApi({ passThrough: objects.url });
      const dead = await freePort();
      // The kubeconfig's current context is another cluster (nothing listens there): the check must
      // take the pod's context, and read this machine's kubeconfig, not one in the pod.
      const kubeconfig = join(makeTempDir('ailab-kubeconfig-'), 'config');
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'elsewhere',
          clusters: [
            { name: 'ci', cluster: { server: api.url } },
            { name: 'other', cluster: { server: `http://127.0.0.1:${dead}` } },
          ],
          users: [{ name: 'ci', user: {} }],
          contexts: [
            { name: 'gpu-ci', context: { cluster: 'ci', user: 'ci', namespace: 'labs' } },
            { name: 'elsewhere', context: { cluster: 'other', user: 'ci' } },
          ],
        }),
      );
      target = await createK8sTarget('k8s://gpu-ci/labs', { env: { KUBECONFIG: kubeconfig }, pollMs: 10 });
      const ctx = makeCheckContext({ target });
      const run = (options: Record<string, unknown>) =>
        kubernetesCheck.run(ctx, kubernetesCheck.schema.parse(options));
      const gpus = await run({ gpu_allocatable: '>= 1' });
      expect(gpus.status, gpus.message).toBe('pass');
      const deployment = fixtureItems('deployment-ready.json')[0];
      const ready = await run({
        kind: 'Deployment',
        name: deployment.metadata.name,
        namespace: deployment.metadata.namespace,
        ready_replicas: deployment.status.readyReplicas,
      });
      expect(ready.status, ready.message).toBe('pass');
      expect(objects.requests.some((r) => r.startsWith('/api/v1/nodes'))).toBe(true);
      // Naming another context still works: this one's server is down, and the check says so.
      const other = await run({ context: 'elsewhere', ready_nodes: 1 });
      expect(other.status).not.toBe('pass');
      expect(other.message).toMatch(/refused/);
    } finally {
      await objects.close();
    }
  });
});
