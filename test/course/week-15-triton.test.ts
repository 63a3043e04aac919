// Week 15 (Deploy a Model on Triton Server), run for real through `ailab run` as far as a CPU machine
// without Docker allows.
// Real: the lab's steps repo-layout, export-onnx, health, infer-http and tune with Debian's
// python3-torch 1.13, torchvision, python3-onnx, numpy, PIL and requests: export_onnx.py writes a
// ResNet-50 model.onnx (weights=none: nothing downloaded), inspect_onnx.py runs onnx.checker on it,
// client_http.py sends a KServe v2 JSON request, and the lab's own checks grade what comes back.
// Every config.pbtxt the lab ships is parsed against Triton's ModelConfig message (test/helpers/triton-pbtxt.ts,
// field names and enums from triton-inference-server/common's model_config.proto).
// Stand-ins: Triton itself (fixtures-w15/fake-triton.ts, on 127.0.0.1, in place of step start-triton's
// `docker run nvcr.io/nvidia/tritonserver`): it loads the lab's model repository in poll mode with
// Triton's rules and messages, and runs the exported model.onnx for real (fixtures-w15/onnx_worker.py:
// the ONNX graph executed with torch operators, as Debian has no onnxruntime); its gRPC port only
// accepts connections. `docker` is a stand-in that answers --version only (no engine in CI).
import { execFileSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import { PbtxtError, parseModelConfig } from '../helpers/triton-pbtxt.js';
import { writeStub } from './fixtures-w01-05/ailab-cli.js';
import {
  bundleBuilt,
  DEBIAN_PYTHON,
  type LabRun,
  problems,
  ROOT,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';
import { type FakeTriton, startFakeTriton } from './fixtures-w15/fake-triton.js';

const TEMPLATES = join(ROOT, 'templates', 'week-15');
const DOCKER_STUB = `#!/bin/sh
# Stand-in docker: a client without an engine (CI has none).
if [ "$1" = --version ]; then echo "Docker version 27.0.0-stand-in, build 0000000"; exit 0; fi
echo "Cannot connect to the Docker daemon (stand-in)" >&2; exit 1
`;
const RUN_STEPS = ['repo-layout', 'export-onnx', 'health', 'infer-http', 'tune'];

const template = (name: string) => readFileSync(join(TEMPLATES, name), 'utf8');

/** Wait until the stand-in has (re)loaded `name` and return its state. */
async function loaded(triton: FakeTriton, name: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const model = triton.models().find((m) => m.name === name);
    if (model || Date.now() > deadline) return model;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("config.pbtxt against Triton's ModelConfig message", () => {
  it("parses every config the lab ships, as Triton's /config shows it", () => {
    const cpu = parseModelConfig(template('config.cpu.pbtxt'));
    expect(cpu).toEqual({
      name: 'resnet50_onnx',
      platform: 'onnxruntime_onnx',
      max_batch_size: 16,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: ['3', '224', '224'] }],
      output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: ['1000'] }],
      instance_group: [{ kind: 'KIND_CPU', count: 1 }],
      dynamic_batching: { preferred_batch_size: [4, 8, 16], max_queue_delay_microseconds: '1000' },
    });
    // The course's config differs only in the instance kind.
    expect(parseModelConfig(template('config.gpu.pbtxt'))).toEqual({
      ...cpu,
      instance_group: [{ kind: 'KIND_GPU', count: 1 }],
    });
    // The TensorRT config uses the `input: {…}` form (no list) for its single tensors.
    expect(parseModelConfig(template('config.trt.pbtxt'))).toMatchObject({
      name: 'resnet50_trt',
      platform: 'tensorrt_plan',
      max_batch_size: 16,
      input: [{ name: 'input', dims: ['3', '224', '224'] }],
      output: [{ name: 'logits', dims: ['1000'] }],
      instance_group: [{ kind: 'KIND_GPU' }],
    });
  });

  it("refuses what Triton's text-format parser refuses, with the line and column", () => {
    const cpu = template('config.cpu.pbtxt');
    const bad = (from: string, to: string) => () => parseModelConfig(cpu.replace(from, to));
    expect(bad('max_batch_size: 16', 'max_batch: 16')).toThrow(
      /^\d+:\d+: Message type "inference.ModelConfig" has no field named "max_batch"\.$/,
    );
    expect(bad('kind: KIND_CPU', 'kind: KIND_CUDA')).toThrow(/Unknown enumeration value of "KIND_CUDA"/);
    expect(bad('TYPE_FP32', 'FP32')).toThrow(/Unknown enumeration value of "FP32"/);
    expect(bad('max_batch_size: 16', 'max_batch_size: "16"')).toThrow(/Expected integer, got: 16/);
    expect(bad('count: 1', 'count: 1.5')).toThrow(/Expected integer, got: 1.5/);
    expect(bad('dims: [1000]', 'dimensions: [1000]')).toThrow(
      /"inference.ModelOutput" has no field named "dimensions"/,
    );
    expect(bad('max_batch_size: 16', 'max_batch_size: [16]')).toThrow(/is not repeated/);
    expect(bad('dynamic_batching {', 'sequence_batching {} dynamic_batching {')).toThrow(
      /oneof "scheduling_choice"/,
    );
    expect(bad('output [', 'output ')).toThrow(PbtxtError);
    expect(bad('"resnet50_onnx"', '"resnet50_onnx')).toThrow(PbtxtError);
  });
});

describe.skipIf(!bundleBuilt())('week-15 on a CPU machine with a stand-in Triton (device=cpu)', () => {
  let triton: FakeTriton;
  let run: LabRun;
  let workDir: string;
  let env: NodeJS.ProcessEnv;
  const ports = (t: FakeTriton) => ({
    http_port: t.httpPort,
    grpc_port: t.grpcPort,
    metrics_port: t.metricsPort,
  });

  beforeAll(async () => {
    workDir = makeTempDir('ailab-week-15-');
    const bin = makeTempDir('ailab-w15-bin-');
    writeStub(bin, 'docker', DOCKER_STUB);
    env = { PATH: `${bin}:${process.env.PATH}` };
    // Triton starts on the (still empty) repository and polls it, as `--model-control-mode=poll` does.
    triton = await startFakeTriton({ repository: join(workDir, 'models') });
    run = await runLab('week-15', {
      workDir,
      sets: { python: DEBIAN_PYTHON, device: 'cpu', weights: 'none', ...ports(triton) },
      only: RUN_STEPS,
      env,
    });
  }, 150_000);

  afterAll(async () => {
    await triton?.close();
    removeTempDirs();
  });

  it('runs the CPU steps, passes every check it can grade, and grades 100%', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of RUN_STEPS) expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['prerequisites', 'start-triton', 'tensorrt', 'kubernetes'])
      expect(step(run.result, id).status, id).toBe('skip');
    for (const id of ['config', 'model-file', 'onnx-io', 'server-ready', 'model-ready', 'metadata', 'infer'])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
    for (const id of ['top5-order', 'bad-request', 'metrics', 'instances'])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
    for (const id of ['tensorrt', 'k8s']) expect(verifyCheck(run.result, id).status, id).toBe('skip');
    expect(run.result.score.percent).toBe(100);
    expect(triton.log).toContain("I model_lifecycle: successfully loaded 'resnet50_onnx' version 1");
  });

  it("exported a valid ResNet-50 ONNX with a dynamic batch, and the repository parses as Triton's", () => {
    const inspect = JSON.parse(
      execFileSync(DEBIAN_PYTHON, ['inspect_onnx.py', 'models/resnet50_onnx/1/model.onnx'], {
        cwd: workDir,
        encoding: 'utf8',
      }),
    );
    expect(inspect).toEqual({
      checker: 'ok',
      opset: 17,
      inputs: [{ name: 'input', shape: ['batch', 3, 224, 224] }],
      outputs: [{ name: 'logits', shape: ['batch', 1000] }],
    });
    const config = parseModelConfig(readFileSync(join(workDir, 'models/resnet50_onnx/config.pbtxt'), 'utf8'));
    // Step tune raised the instance count; the repository's config is still a valid ModelConfig.
    expect(config.instance_group).toEqual([{ kind: 'KIND_CPU', count: 2 }]);
  });

  it('got the top-5 that the exported network computes (the stand-in ran model.onnx itself)', () => {
    const log = readFileSync(join(workDir, 'infer.log'), 'utf8');
    const served = JSON.parse(/^Top-5 indices: (\[.*\])$/m.exec(log)![1]!) as number[];
    // The same network in PyTorch: export_onnx.py seeds torch before building it (weights=none).
    const reference = execFileSync(
      DEBIAN_PYTHON,
      [
        '-c',
        [
          'import sys, torch, torchvision as tv',
          'from PIL import Image',
          'sys.path.insert(0, ".")',
          'from client_http import preprocess',
          'torch.manual_seed(0)',
          'm = tv.models.resnet50(weights=None).eval()',
          'x = torch.from_numpy(preprocess(Image.open("cat.jpg")))',
          'print(m(x).detach()[0].argsort(descending=True)[:5].tolist())',
        ].join('\n'),
      ],
      { cwd: workDir, encoding: 'utf8' },
    );
    expect(served).toEqual(JSON.parse(reference));
  }, 30_000);

  it("answers a wrong request with Triton's 400 messages", async () => {
    const post = async (body: unknown) => {
      const res = await fetch(`http://127.0.0.1:${triton.httpPort}/v2/models/resnet50_onnx/infer`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      return [res.status, ((await res.json()) as { error?: string }).error] as const;
    };
    const input = { name: 'input', shape: [1, 3, 224, 224], datatype: 'FP32', data: [0] };
    expect(await post({ inputs: [{ ...input, name: 'wrong' }] })).toEqual([
      400,
      "unexpected inference input 'wrong' for model 'resnet50_onnx'",
    ]);
    expect(await post({ inputs: [{ ...input, shape: [1, 3, 256, 256] }] })).toEqual([
      400,
      "unexpected shape for input 'input' for model 'resnet50_onnx'. Expected [-1,3,224,224], got [1,3,256,256]",
    ]);
    expect(await post({ inputs: [{ ...input, datatype: 'FP64' }] })).toEqual([
      400,
      "unexpected datatype TYPE_FP64 for inference input 'input', expecting TYPE_FP32 for model 'resnet50_onnx'",
    ]);
    expect(await post({ inputs: [{ ...input, shape: [17, 3, 224, 224] }] })).toEqual([
      400,
      "inference request batch-size must be <= 16 for 'resnet50_onnx'",
    ]);
  });

  it("fails the lab with the course's KIND_GPU config on a machine without a GPU", async () => {
    // The course's config (device=gpu) with "No GPU? Omit --gpus all": Triton refuses the model.
    const repo = join(makeTempDir('ailab-w15-gpu-'), 'models');
    mkdirSync(join(repo, 'resnet50_onnx', '1'), { recursive: true });
    copyFileSync(join(TEMPLATES, 'config.gpu.pbtxt'), join(repo, 'resnet50_onnx', 'config.pbtxt'));
    linkSync(join(workDir, 'models/resnet50_onnx/1/model.onnx'), join(repo, 'resnet50_onnx/1/model.onnx'));
    const gpuConfig = await startFakeTriton({ repository: repo });
    try {
      expect((await loaded(gpuConfig, 'resnet50_onnx'))?.reason).toBe(
        'Invalid argument: instance group resnet50_onnx_0 of model resnet50_onnx has kind KIND_GPU but no GPUs are available',
      );
      const verify = await runLab('week-15', {
        mode: 'verify',
        workDir,
        sets: { python: DEBIAN_PYTHON, device: 'cpu', ...ports(gpuConfig) },
        env,
      });
      expect(verify.result.status).toBe('failed');
      for (const id of ['server-ready', 'model-ready', 'metadata', 'bad-request', 'instances'])
        expect(verifyCheck(verify.result, id).status, id).toBe('fail');
      expect(verifyCheck(verify.result, 'model-ready').hint).toMatch(/must be KIND_CPU/);
      // What was done before the server still counts.
      for (const id of ['config', 'model-file', 'onnx-io', 'infer'])
        expect(verifyCheck(verify.result, id).status, id).toBe('pass');
    } finally {
      await gpuConfig.close();
    }
  }, 60_000);

  it('refuses a model exported without a dynamic batch dimension (max_batch_size 16)', async () => {
    const repo = join(makeTempDir('ailab-w15-fixed-'), 'models');
    mkdirSync(join(repo, 'resnet50_onnx', '1'), { recursive: true });
    copyFileSync(join(TEMPLATES, 'config.cpu.pbtxt'), join(repo, 'resnet50_onnx', 'config.pbtxt'));
    // The course's export without dynamic_axes: the batch dimension is fixed at 1.
    execFileSync(
      DEBIAN_PYTHON,
      [
        '-c',
        'import torch, torchvision as tv; torch.onnx.export(tv.models.resnet18(weights=None).eval(), ' +
          'torch.randn(1, 3, 224, 224), "resnet50_onnx/1/model.onnx", input_names=["input"], ' +
          'output_names=["logits"], opset_version=17)',
      ],
      { cwd: repo },
    );
    const fixed = await startFakeTriton({ repository: repo });
    try {
      expect((await loaded(fixed, 'resnet50_onnx'))?.reason).toBe(
        "Invalid argument: model 'resnet50_onnx', tensor 'input': for the model to support batching the shape should have at least 1 dimension and the first dimension must be -1; but shape expected by the model is [1,3,224,224]",
      );
    } finally {
      await fixed.close();
    }
  }, 60_000);

  it('fails the graded checks when the steps were skipped (empty folder, empty repository)', async () => {
    const empty = makeTempDir('ailab-w15-empty-');
    const idle = await startFakeTriton({ repository: join(empty, 'models') });
    try {
      const verify = await runLab('week-15', {
        mode: 'verify',
        workDir: empty,
        sets: { python: DEBIAN_PYTHON, device: 'cpu', ...ports(idle) },
        env,
      });
      expect(verify.result.status).toBe('failed');
      for (const id of ['config', 'model-file', 'onnx-io', 'model-ready', 'infer', 'metrics'])
        expect(verifyCheck(verify.result, id).status, id).toBe('fail');
      expect(verifyCheck(verify.result, 'model-file').hint).toMatch(/export_onnx\.py/);
    } finally {
      await idle.close();
    }
  }, 60_000);
});
