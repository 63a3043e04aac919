// A stand-in for NVIDIA Triton Inference Server, for the week-15 lab's test only: Triton runs in
// NVIDIA's container (Docker, many GB), and CI has no Docker engine. It does what the lab relies on,
// with the rules Triton applies, on 127.0.0.1:
//   - loads a model repository as `tritonserver --model-repository=DIR --model-control-mode=poll`
//     does: every folder with a config.pbtxt (parsed and checked against Triton's ModelConfig message,
//     ./pbtxt.ts) and numeric version folders holding the platform's model file; it refuses what
//     Triton refuses, with Triton's messages: a KIND_GPU instance group when there is no GPU, a model
//     without a dynamic first dimension when max_batch_size > 0, input/output names or dims that the
//     model does not have, a platform it cannot run (tensorrt_plan: there is no TensorRT here);
//     changed files are loaded again (polling);
//   - runs the exported model.onnx for real: onnx_worker.py reads the graph with python3-onnx and
//     executes it with Debian's torch on the CPU (there is no onnxruntime in Debian);
//   - answers the KServe v2 HTTP/REST protocol: /v2/health/live|ready, /v2/models/NAME[/ready|/config],
//     POST /v2/models/NAME/infer with JSON tensors (400 with Triton's error text for a wrong name,
//     datatype, shape or batch size), POST /v2/repository/index;
//   - serves Prometheus metrics (nv_inference_request_success, _failure, nv_inference_count,
//     nv_inference_exec_count, nv_inference_request_duration_us, nv_inference_queue_duration_us) on
//     its own port, as Triton does on 8002.
// The gRPC port only accepts TCP connections (it speaks no gRPC): a port check can pass, a gRPC
// client cannot. Not modelled: dynamic batching across requests (requests run one at a time), GPUs.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Pbtxt, PbtxtError, parseModelConfig } from '../../helpers/triton-pbtxt.js';

const WORKER = join(import.meta.dirname, 'onnx_worker.py');
const PYTHON = '/usr/bin/python3';
const DEFAULT_FILENAME: Record<string, string> = {
  onnxruntime_onnx: 'model.onnx',
  tensorrt_plan: 'model.plan',
};

interface TensorSpec {
  name: string;
  data_type: string;
  dims: string[];
}

interface Runner {
  process: ChildProcess;
  queue: Promise<unknown>;
  lines: AsyncIterator<string>;
}

interface Model {
  name: string;
  signature: string;
  state: 'READY' | 'UNAVAILABLE';
  reason: string;
  version?: string;
  config?: Pbtxt;
  runner?: Runner;
  stats: {
    success: number;
    failure: number;
    count: number;
    exec: number;
    requestUs: number;
    queueUs: number;
  };
}

export interface FakeTriton {
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  /** What Triton would print: one line per load, with the failure reason. */
  log: string[];
  models(): { name: string; state: string; reason: string }[];
  close(): Promise<void>;
}

function listen(server: Server | TcpServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

/** A fingerprint of a model folder's files: a change means "load it again" (poll mode). */
function signatureOf(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const s = statSync(path);
        parts.push(`${path}:${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return parts.join('|');
}

const shapeText = (dims: (number | string)[]) => `[${dims.join(',')}]`;

export async function startFakeTriton(options: {
  repository: string;
  gpus?: number;
  pollMs?: number;
  ports?: { http?: number; grpc?: number; metrics?: number };
}): Promise<FakeTriton> {
  const gpus = options.gpus ?? 0;
  const models = new Map<string, Model>();
  const seen = new Map<string, string>(); // model folder → signature at the last poll (stable twice → load)
  const log: string[] = [];
  let closed = false;

  function stopRunner(model: Model | undefined) {
    model?.runner?.process.kill('SIGTERM');
  }

  async function startRunner(file: string): Promise<{
    runner: Runner;
    info: {
      error: string | null;
      inputs: { name: string; dims: number[] }[];
      outputs: { name: string; dims: number[] }[];
    };
  }> {
    const child = spawn(PYTHON, [WORKER, file], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done)
      throw new Error(`the model runner exited: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
    return { runner: { process: child, queue: Promise.resolve(), lines }, info: JSON.parse(first.value) };
  }

  async function load(name: string, dir: string, signature: string): Promise<Model> {
    const model: Model = {
      name,
      signature,
      state: 'UNAVAILABLE',
      reason: '',
      stats: { success: 0, failure: 0, count: 0, exec: 0, requestUs: 0, queueUs: 0 },
    };
    const fail = (reason: string) => {
      model.reason = reason;
      log.push(`E model_lifecycle: failed to load '${name}' version ${model.version ?? '?'}: ${reason}`);
      return model;
    };
    const configPath = join(dir, 'config.pbtxt');
    if (!existsSync(configPath))
      return fail(`Invalid argument: the stand-in has no auto-complete: ${name}/config.pbtxt is missing`);
    let config: Pbtxt;
    try {
      config = parseModelConfig(readFileSync(configPath, 'utf8'));
    } catch (error) {
      if (error instanceof PbtxtError)
        return fail(`Internal: failed to read text proto from ${configPath}: ${error.message}`);
      throw error;
    }
    if (config.name !== undefined && config.name !== name)
      return fail(
        `Invalid argument: unexpected directory name '${name}' for model '${config.name}', directory name must equal model name`,
      );
    config.name = name;
    const platform = String(config.platform ?? (config.backend === 'onnxruntime' ? 'onnxruntime_onnx' : ''));
    const versions = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^[0-9]+$/.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => Number(a) - Number(b));
    model.version = versions.at(-1);
    if (!model.version)
      return fail(
        `Invalid argument: at least one version must be available under the version policy of model '${name}'`,
      );
    const file = join(
      dir,
      model.version,
      String(config.default_model_filename ?? DEFAULT_FILENAME[platform] ?? 'model'),
    );
    if (!DEFAULT_FILENAME[platform])
      return fail(`Invalid argument: unexpected platform type '${platform}' for ${name}`);
    if (platform === 'tensorrt_plan')
      return fail(
        `Invalid argument: unable to find backend library for backend 'tensorrt' (the CI stand-in has no TensorRT)`,
      );
    if (!existsSync(file))
      return fail(
        `Internal: unable to create stream: No such file or directory: ${file.slice(dir.length - name.length)}`,
      );
    const groups = (config.instance_group as Pbtxt[] | undefined) ?? [
      { kind: gpus > 0 ? 'KIND_GPU' : 'KIND_CPU' },
    ];
    for (const [i, group] of groups.entries()) {
      group.name ??= `${name}_${i}`;
      group.count ??= 1;
      group.kind ??= gpus > 0 ? 'KIND_GPU' : 'KIND_CPU';
      if (group.kind === 'KIND_GPU' && gpus === 0)
        return fail(
          `Invalid argument: instance group ${group.name} of model ${name} has kind KIND_GPU but no GPUs are available`,
        );
    }
    config.instance_group = groups;
    config.backend = 'onnxruntime';
    const maxBatch = Number(config.max_batch_size ?? 0);
    let started: Awaited<ReturnType<typeof startRunner>>;
    try {
      started = await startRunner(file);
    } catch (error) {
      return fail(`Internal: onnx runtime error: ${(error as Error).message}`);
    }
    const { runner, info } = started;
    const refuse = (reason: string) => {
      runner.process.kill('SIGTERM');
      return fail(reason);
    };
    if (info.error) return refuse(`Internal: ${info.error}`);
    for (const [kind, specs, actual] of [
      ['input', config.input as TensorSpec[] | undefined, info.inputs],
      ['output', config.output as TensorSpec[] | undefined, info.outputs],
    ] as const) {
      for (const spec of specs ?? []) {
        const found = actual.find((t) => t.name === spec.name);
        if (!found)
          return refuse(
            `Invalid argument: unexpected inference ${kind} '${spec.name}', allowed ${kind}s are: ${actual.map((t) => t.name).join(', ')}`,
          );
        let dims = found.dims;
        if (maxBatch > 0) {
          if (dims[0] !== -1)
            return refuse(
              `Invalid argument: model '${name}', tensor '${spec.name}': for the model to support batching the shape should have at least 1 dimension and the first dimension must be -1; but shape expected by the model is ${shapeText(dims)}`,
            );
          dims = dims.slice(1);
        }
        const want = spec.dims.map(Number);
        if (dims.length !== want.length || dims.some((d, k) => d !== -1 && d !== want[k]))
          return refuse(
            `Invalid argument: model '${name}', tensor '${spec.name}': the model expects ${found.dims.length} dimensions (shape ${shapeText(found.dims)}) but the model configuration specifies ${want.length + (maxBatch > 0 ? 1 : 0)} dimensions (${maxBatch > 0 ? 'an initial batch dimension because max_batch_size > 0 followed by the explicit tensor shape, making complete shape ' : 'shape '}${shapeText(maxBatch > 0 ? [-1, ...want] : want)})`,
          );
      }
    }
    model.config = config;
    model.runner = runner;
    model.state = 'READY';
    log.push(`I model_lifecycle: successfully loaded '${name}' version ${model.version}`);
    return model;
  }

  let polling: Promise<void> = Promise.resolve();
  async function poll() {
    if (closed || !existsSync(options.repository)) return;
    const dirs = readdirSync(options.repository, { withFileTypes: true }).filter((e) => e.isDirectory());
    for (const entry of dirs) {
      const dir = join(options.repository, entry.name);
      let signature: string;
      try {
        signature = signatureOf(dir);
      } catch {
        continue; // changing under us: next poll
      }
      const previous = seen.get(entry.name);
      seen.set(entry.name, signature);
      // A file still being written (the export) changes between two polls: wait until it is stable.
      if (previous !== signature || models.get(entry.name)?.signature === signature) continue;
      const loaded = await load(entry.name, dir, signature);
      if (closed) {
        stopRunner(loaded);
        return;
      }
      stopRunner(models.get(entry.name));
      models.set(entry.name, loaded);
    }
    for (const name of [...models.keys()])
      if (!dirs.some((e) => e.name === name)) {
        stopRunner(models.get(name));
        models.delete(name);
        log.push(`I model_lifecycle: successfully unloaded '${name}'`);
      }
  }
  const timer = setInterval(() => {
    polling = polling.then(poll).catch((error) => {
      log.push(`E poll: ${(error as Error).message}`);
    });
  }, options.pollMs ?? 300);

  async function infer(model: Model, body: Record<string, unknown>): Promise<[number, unknown]> {
    const config = model.config!;
    const name = model.name;
    const maxBatch = Number(config.max_batch_size ?? 0);
    const inputs = Array.isArray(body.inputs) ? (body.inputs as Record<string, unknown>[]) : [];
    const specs = config.input as TensorSpec[];
    if (inputs.length !== specs.length)
      return [
        400,
        { error: `expected ${specs.length} inputs but got ${inputs.length} inputs for model '${name}'` },
      ];
    const tensor = inputs[0]!;
    const spec = specs.find((s) => s.name === tensor.name);
    if (!spec) return [400, { error: `unexpected inference input '${tensor.name}' for model '${name}'` }];
    const datatype = `TYPE_${tensor.datatype}`;
    if (datatype !== spec.data_type)
      return [
        400,
        {
          error: `unexpected datatype ${datatype} for inference input '${spec.name}', expecting ${spec.data_type} for model '${name}'`,
        },
      ];
    const shape = Array.isArray(tensor.shape) ? (tensor.shape as number[]) : [];
    const expected = maxBatch > 0 ? [-1, ...spec.dims.map(Number)] : spec.dims.map(Number);
    if (maxBatch > 0 && shape.length > 0 && shape[0]! > maxBatch)
      return [400, { error: `inference request batch-size must be <= ${maxBatch} for '${name}'` }];
    if (shape.length !== expected.length || shape.some((d, k) => expected[k] !== -1 && d !== expected[k]))
      return [
        400,
        {
          error: `unexpected shape for input '${spec.name}' for model '${name}'. Expected ${shapeText(expected)}, got ${shapeText(shape)}`,
        },
      ];
    const data = Array.isArray(tensor.data) ? (tensor.data as unknown[]).flat(Number.POSITIVE_INFINITY) : [];
    const elements = shape.reduce((a, b) => a * b, 1);
    if (data.length !== elements)
      return [
        400,
        {
          error: `unexpected number of string elements ${data.length} for inference input '${spec.name}' for model '${name}', expecting ${elements}`,
        },
      ];
    const outputs = (config.output as TensorSpec[]).map((o) => o.name);
    for (const wanted of (body.outputs as { name: string }[] | undefined) ?? [])
      if (!outputs.includes(wanted.name))
        return [400, { error: `unexpected inference output '${wanted.name}' for model '${name}'` }];
    const queued = performance.now();
    const runner = model.runner!;
    const result = runner.queue.then(async () => {
      const started = performance.now();
      runner.process.stdin!.write(`${JSON.stringify({ shape, data })}\n`);
      const line = await runner.lines.next();
      return { started, reply: line.done ? { error: 'the model runner exited' } : JSON.parse(line.value) };
    }) as Promise<{ started: number; reply: { shape?: number[]; data?: number[]; error?: string } }>;
    runner.queue = result.catch(() => undefined);
    const { started, reply } = await result;
    if (reply.error) return [500, { error: reply.error }];
    model.stats.queueUs += Math.round((started - queued) * 1000);
    model.stats.exec += 1;
    model.stats.count += shape[0] ?? 1;
    return [
      200,
      {
        model_name: name,
        model_version: model.version,
        outputs: [{ name: outputs[0], datatype: 'FP32', shape: reply.shape, data: reply.data }],
      },
    ];
  }

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) {
      res.writeHead(status, { 'content-length': '0' });
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  const unknownModel = (res: ServerResponse, name: string) =>
    send(res, 400, { error: `Request for unknown model: '${name}' is not found` });

  const http = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/versions\/[0-9]+/, '');
      if (path === '/v2/health/live') return send(res, 200);
      if (path === '/v2/health/ready')
        return send(res, [...models.values()].every((m) => m.state === 'READY') ? 200 : 400);
      if (path === '/v2')
        return send(res, 200, {
          name: 'triton',
          version: 'ci-stand-in',
          extensions: ['model_configuration', 'model_repository'],
        });
      if (path === '/v2/repository/index' && req.method === 'POST')
        return send(
          res,
          200,
          [...models.values()].map((m) => ({
            name: m.name,
            version: m.version,
            state: m.state,
            reason: m.reason,
          })),
        );
      const match = /^\/v2\/models\/([^/]+)(?:\/(ready|config|infer))?$/.exec(path);
      if (!match) return send(res, 404, { error: 'Not Found' });
      const name = decodeURIComponent(match[1]!);
      const model = models.get(name);
      const action = match[2];
      if (action === 'ready') return send(res, model?.state === 'READY' ? 200 : 400);
      if (!model) return unknownModel(res, name);
      if (model.state !== 'READY')
        return send(res, 400, { error: `Request for unknown model: '${name}' has no available versions` });
      const config = model.config!;
      if (action === 'config') return send(res, 200, config);
      if (action === undefined) {
        const meta = (t: TensorSpec) => ({
          name: t.name,
          datatype: t.data_type.replace(/^TYPE_/, ''),
          shape: [...(Number(config.max_batch_size ?? 0) > 0 ? [-1] : []), ...t.dims.map(Number)],
        });
        return send(res, 200, {
          name,
          versions: [model.version],
          platform: config.platform,
          inputs: (config.input as TensorSpec[]).map(meta),
          outputs: (config.output as TensorSpec[]).map(meta),
        });
      }
      if (req.method !== 'POST') return send(res, 405, { error: 'Method Not Allowed' });
      const started = performance.now();
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      } catch (error) {
        model.stats.failure += 1;
        return send(res, 400, {
          error: `failed to parse the request JSON buffer: ${(error as Error).message}`,
        });
      }
      const [status, answer] = await infer(model, body);
      if (status === 200) model.stats.success += 1;
      else model.stats.failure += 1;
      model.stats.requestUs += Math.round((performance.now() - started) * 1000);
      return send(res, status, answer);
    } catch (error) {
      return send(res, 500, { error: (error as Error).message });
    }
  });

  const metrics = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/metrics') {
      res.writeHead(404);
      res.end();
      return;
    }
    const families: [string, string, string, (m: Model) => number][] = [
      [
        'nv_inference_request_success',
        'counter',
        'Number of successful inference requests, all batch sizes',
        (m) => m.stats.success,
      ],
      [
        'nv_inference_request_failure',
        'counter',
        'Number of failed inference requests, all batch sizes',
        (m) => m.stats.failure,
      ],
      [
        'nv_inference_count',
        'counter',
        'Number of inferences performed (does not include cached requests)',
        (m) => m.stats.count,
      ],
      [
        'nv_inference_exec_count',
        'counter',
        'Number of model executions performed (does not include cached requests)',
        (m) => m.stats.exec,
      ],
      [
        'nv_inference_request_duration_us',
        'counter',
        'Cumulative inference request duration in microseconds (includes cached requests)',
        (m) => m.stats.requestUs,
      ],
      [
        'nv_inference_queue_duration_us',
        'counter',
        'Cumulative inference queuing duration in microseconds (includes cached requests)',
        (m) => m.stats.queueUs,
      ],
    ];
    const ready = [...models.values()].filter((m) => m.state === 'READY');
    const lines = families.flatMap(([family, type, help, value]) => [
      `# HELP ${family} ${help}`,
      `# TYPE ${family} ${type}`,
      ...ready.map((m) => `${family}{model="${m.name}",version="${m.version}"} ${value(m)}`),
    ]);
    const text = `${lines.join('\n')}\n`;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  });

  const grpc = createTcpServer((socket) => socket.destroy());

  const httpPort = await listen(http, options.ports?.http ?? 0);
  const grpcPort = await listen(grpc, options.ports?.grpc ?? 0);
  const metricsPort = await listen(metrics, options.ports?.metrics ?? 0);

  return {
    httpPort,
    grpcPort,
    metricsPort,
    log,
    models: () => [...models.values()].map((m) => ({ name: m.name, state: m.state, reason: m.reason })),
    async close() {
      closed = true;
      clearInterval(timer);
      await polling.catch(() => undefined);
      for (const model of models.values()) stopRunner(model);
      const closing = [http, metrics, grpc].map(
        (s) => new Promise<void>((resolve) => s.close(() => resolve())),
      );
      http.closeAllConnections();
      metrics.closeAllConnections();
      await Promise.all(closing);
    },
  };
}
