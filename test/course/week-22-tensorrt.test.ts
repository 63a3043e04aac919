// Week 22 (Optimize a Model with TensorRT), run through the real `ailab` CLI as far as a CPU machine
// without a GPU allows, on the Jetson path (platform=jetson, int8=false as on a Jetson Nano).
// Real: export_resnet18.py on Debian's python3-torch 1.13 / torchvision 0.14 writes resnet18.onnx
// (weights=none: nothing downloaded), week 15's inspect_onnx.py runs onnx.checker on it,
// benchmark_onnx.py's warm-up + 100 timed runs and its baseline.json, trt_summary.py parsing trtexec's
// logs into results.json, calib_loader.py preprocessing generated images, and the lab's own checks.
// Stand-ins (test/course/fixtures-w22, sources in its SOURCES.md): `trtexec` replaying two RECORDED
// Jetson Nano (Tegra X1) trtexec logs, `tegrastats` replaying a recorded Jetson Nano line, the recorded
// /etc/nv_tegra_release line of L4T R32.7.1 (the lab's tegra_release var points at it), and an
// `onnxruntime` package that executes the ONNX graph with torch operators (Debian has no onnxruntime).
// The fake nvidia-smi (test/helpers/fake-nvidia-smi) plays the GPU path's driver failure.
// Not proven here: a GPU, TensorRT, INT8 calibration with polygraphy, Torch-TensorRT, real speed-ups.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  DEBIAN_PYTHON,
  type LabRun,
  problems,
  ROOT,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';

const FIXTURES = join(ROOT, 'test', 'course', 'fixtures-w22');
const FAKE_NVIDIA_SMI = join(ROOT, 'test', 'helpers', 'fake-nvidia-smi');
const TEGRA_RELEASE = join(FIXTURES, 'recorded', 'nv_tegra_release-r32.7.1');
const RUN_STEPS = ['prerequisites', 'export', 'baseline', 'fp32-engine', 'fp16-engine', 'compare'];
const ENV = {
  PATH: `${join(FIXTURES, 'bin')}:${process.env.PATH}`,
  PYTHONPATH: FIXTURES, // the stand-in onnxruntime package
  AILAB_NO_HISTORY: '1',
};
const JETSON = {
  python: DEBIAN_PYTHON,
  platform: 'jetson',
  weights: 'none',
  int8: 'false',
  tegra_release: TEGRA_RELEASE,
};

// The course's step 2, verbatim: one cold run timed with time.time(), nothing written to a file.
const COURSE_BENCHMARK = `import onnxruntime as ort
import numpy as np, time

session = ort.InferenceSession("resnet18.onnx")
input_name = session.get_inputs()[0].name

x = np.random.rand(1, 3, 224, 224).astype(np.float32)

start = time.time()
out = session.run(None, {input_name: x})
print("Latency (ms):", (time.time()-start)*1000)
`;

describe('week-22 on a CPU machine: the Jetson path with stand-ins for trtexec and tegrastats', () => {
  let run: LabRun;
  let workDir: string;

  beforeAll(async () => {
    await ensureBuilt();
    workDir = makeTempDir('ailab-week-22-');
    run = await runLab('week-22', {
      workDir,
      sets: { ...JETSON, keep_files: 'true' },
      env: ENV,
    });
  }, 120_000);

  afterAll(() => removeTempDirs());

  it('runs export, baseline, the FP32 and FP16 engines and the comparison, and grades 100%', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of RUN_STEPS) expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['calibrate', 'int8-engine', 'torch-tensorrt'])
      expect(step(run.result, id).status, id).toBe('skip');
    const prerequisites = step(run.result, 'prerequisites').checks;
    expect(prerequisites.map((c) => [c.id, c.status])).toEqual([
      [expect.any(String), 'skip'], // nvidia-smi: not on a Jetson
      ['l4t', 'pass'],
      ['tegrastats', 'pass'],
    ]);
    for (const id of [
      'onnx-file',
      'onnx-io',
      'baseline',
      'fp32-engine',
      'fp16-engine',
      'fp16-run',
      'fp16-speedup',
    ])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
    for (const id of ['calib-cache', 'int8-engine', 'torch-tensorrt'])
      expect(verifyCheck(run.result, id).status, id).toBe('skip');
    expect(run.result.score.percent).toBe(100);
  });

  it("exported a valid ResNet-18 ONNX with the course's names and a static 1x3x224x224 input", () => {
    const inspect = JSON.parse(
      execFileSync(DEBIAN_PYTHON, ['inspect_onnx.py', 'resnet18.onnx'], { cwd: workDir, encoding: 'utf8' }),
    );
    expect(inspect).toEqual({
      checker: 'ok',
      opset: 17,
      inputs: [{ name: 'input', shape: [1, 3, 224, 224] }],
      outputs: [{ name: 'output', shape: [1, 1000] }],
    });
    expect(readFileSync(join(workDir, 'export.log'), 'utf8')).toBe('ONNX model saved: resnet18.onnx\n');
    expect(existsSync(join(workDir, 'resnet18.onnx.data'))).toBe(false);
  });

  it('timed 100 runs of the ONNX model after a warm-up and wrote the baseline', () => {
    const baseline = JSON.parse(readFileSync(join(workDir, 'baseline.json'), 'utf8'));
    expect(baseline).toMatchObject({ provider: 'CPUExecutionProvider', runs: 100, output_shape: [1, 1000] });
    expect(baseline.p50_ms).toBeGreaterThan(0);
    expect(baseline.p95_ms).toBeGreaterThanOrEqual(baseline.p50_ms);
    expect(readFileSync(join(workDir, 'baseline.log'), 'utf8')).toMatch(
      /^Provider: CPUExecutionProvider\nLatency \(ms\): p50 [\d.]+ p95 [\d.]+ mean [\d.]+ over 100 runs\n$/,
    );
  });

  it("compared the engines from trtexec's recorded logs (not from a typed-in table)", () => {
    const results = JSON.parse(readFileSync(join(workDir, 'results.json'), 'utf8'));
    // The numbers are the recordings' (fixtures-w22/SOURCES.md): GPU compute means 90.1061 and 39.8877 ms.
    expect(results.engines.fp32).toMatchObject({
      passed: true,
      gpu_mean_ms: 90.1061,
      throughput_qps: 11.0613,
      device: 'NVIDIA Tegra X1',
      tensorrt: '8201',
    });
    expect(results.engines.fp16).toMatchObject({ passed: true, gpu_mean_ms: 39.8877, tensorrt: '8001' });
    expect(results.speedup_vs_fp32).toEqual({ fp32: 1, fp16: 2.26 });
    expect(results.onnxruntime.runs).toBe(100);
    // trtexec echoes the command it was given; the lab dropped the course's --shapes (static model).
    const fp16 = readFileSync(join(workDir, 'logs', 'fp16.log'), 'utf8');
    expect(fp16).toMatch(
      /^&&&& PASSED TensorRT\.trtexec \[TensorRT v8001\] # trtexec --loadEngine=resnet18_fp16\.engine$/m,
    );
    expect(readFileSync(join(workDir, 'logs', 'fp16-build.log'), 'utf8')).toContain(
      '# trtexec --onnx=resnet18.onnx --saveEngine=resnet18_fp16.engine --fp16',
    );
  });

  it("fails the course's path as written: a one-shot ORT timing and no FP32 engine to compare with", async () => {
    const dir = makeTempDir('ailab-w22-course-');
    linkSync(join(workDir, 'resnet18.onnx'), join(dir, 'resnet18.onnx'));
    for (const name of ['inspect_onnx.py', 'trt_summary.py'])
      copyFileSync(join(workDir, name), join(dir, name));
    mkdirSync(join(dir, 'logs'));
    for (const name of ['fp16-build.log', 'fp16.log'])
      copyFileSync(join(workDir, 'logs', name), join(dir, 'logs', name));
    writeFileSync(join(dir, 'benchmark_onnx.py'), COURSE_BENCHMARK);
    const course = execFileSync(DEBIAN_PYTHON, ['benchmark_onnx.py'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: FIXTURES },
    });
    expect(course).toMatch(/^Latency \(ms\): [\d.]+\n$/); // one cold run: no p50/p95, nothing saved
    execFileSync(DEBIAN_PYTHON, ['trt_summary.py', 'logs'], { cwd: dir }); // no fp32.log: no speed-up

    const verify = await runLab('week-22', { mode: 'verify', workDir: dir, sets: JETSON, env: ENV });
    expect(verify.result.status).toBe('failed');
    for (const id of ['baseline', 'fp32-engine', 'fp16-speedup'])
      expect(verifyCheck(verify.result, id).status, id).toBe('fail');
    expect(verifyCheck(verify.result, 'baseline').hint).toMatch(/benchmark_onnx\.py/);
    expect(verifyCheck(verify.result, 'fp32-engine').hint).toMatch(/--saveEngine=resnet18_fp32\.engine/);
    expect(verifyCheck(verify.result, 'fp16-speedup').hint).toMatch(/trt_summary\.py/);
    for (const id of ['onnx-file', 'onnx-io', 'fp16-engine', 'fp16-run'])
      expect(verifyCheck(verify.result, id).status, id).toBe('pass');
    expect(verify.result.score.percent).toBeLessThan(70);
  }, 60_000);

  it("fails INT8 when the course's --calib=calib.cache is used without making the cache", async () => {
    // trtexec's --calib only reads a cache; the course never creates one.
    const verify = await runLab('week-22', {
      mode: 'verify',
      workDir,
      sets: { ...JETSON, int8: 'true' },
      env: ENV,
    });
    expect(verifyCheck(verify.result, 'calib-cache').status).toBe('fail');
    expect(verifyCheck(verify.result, 'calib-cache').hint).toMatch(/only reads a cache/);
    expect(verifyCheck(verify.result, 'int8-engine').status).toBe('fail');
    // The stand-in has no INT8 recording: it says so instead of inventing one.
    const int8 = (() => {
      try {
        execFileSync(
          join(FIXTURES, 'bin', 'trtexec'),
          ['--onnx=resnet18.onnx', '--int8', '--calib=calib.cache'],
          {
            cwd: workDir,
            stdio: 'pipe',
          },
        );
        return { status: 0, stderr: '' };
      } catch (error) {
        const e = error as { status: number; stderr: Buffer };
        return { status: e.status, stderr: e.stderr.toString() };
      }
    })();
    expect(int8).toEqual({ status: 99, stderr: 'fake trtexec: no recording of a run with --int8\n' });
  }, 60_000);

  it('prepares INT8 calibration batches from images as the engine expects them', () => {
    const images = join(makeTempDir('ailab-w22-calib-'), 'calib_images');
    mkdirSync(images);
    // 60 images of different sizes and colours, drawn with PIL.
    execFileSync(DEBIAN_PYTHON, [
      '-c',
      [
        'import sys',
        'from PIL import Image',
        'for i in range(60):',
        '    Image.new("RGB", (300 + 7 * i, 240 + 5 * i), (4 * i, 255 - 4 * i, (37 * i) % 256)).save(f"{sys.argv[1]}/img{i:03d}.jpg")',
      ].join('\n'),
      images,
    ]);
    const out = JSON.parse(
      execFileSync(DEBIAN_PYTHON, ['calib_loader.py'], {
        cwd: workDir,
        encoding: 'utf8',
        env: { ...process.env, CALIB_DIR: images },
      }),
    );
    expect(out).toMatchObject({ batches: 60, shape: [1, 3, 224, 224], dtype: 'float32' });
    // ImageNet normalisation: values around 0, not raw 0..255 pixels.
    expect(Math.abs(out.mean)).toBeLessThan(3);
    const limited = JSON.parse(
      execFileSync(DEBIAN_PYTHON, ['calib_loader.py'], {
        cwd: workDir,
        encoding: 'utf8',
        env: { ...process.env, CALIB_DIR: images, CALIB_LIMIT: '50' },
      }),
    );
    expect(limited.batches).toBe(50);
  }, 30_000);

  it('fails the graded checks in an empty folder, the ONNX model first', async () => {
    const empty = makeTempDir('ailab-w22-empty-');
    const verify = await runLab('week-22', { mode: 'verify', workDir: empty, sets: JETSON, env: ENV });
    expect(verify.result.status).toBe('failed');
    for (const id of ['onnx-file', 'onnx-io', 'baseline', 'fp32-engine', 'fp16-engine', 'fp16-speedup'])
      expect(verifyCheck(verify.result, id).status, id).toBe('fail');
    expect(verifyCheck(verify.result, 'onnx-file').hint).toMatch(/export_resnet18\.py/);
    expect(verify.result.score.earned).toBe(0);
  }, 60_000);

  it('checks the GPU path with nvidia-smi (no driver: step 0 fails) and cleans up what the run made', async () => {
    const dir = makeTempDir('ailab-w22-gpu-');
    for (const name of ['resnet18.onnx', 'resnet18_fp16.engine', 'calib.cache', 'resnet18_trt.ts'])
      writeFileSync(join(dir, name), 'x');
    mkdirSync(join(dir, 'logs'));
    const gpu = await runLab('week-22', {
      workDir: dir,
      sets: { python: DEBIAN_PYTHON, platform: 'gpu' },
      only: ['prerequisites'],
      env: {
        ...ENV,
        PATH: `${FAKE_NVIDIA_SMI}:${ENV.PATH}`,
        AILAB_FAKE_NVIDIA_SMI: 'no-driver',
      },
    });
    const prerequisites = step(gpu.result, 'prerequisites');
    const smi = prerequisites.checks.find((c) => c.type === 'nvidia-smi');
    expect(smi?.status).toBe('fail');
    expect(`${smi?.message} ${smi?.details ?? ''}`).toMatch(/driver/i);
    expect(prerequisites.checks.filter((c) => c.status === 'skip')).toHaveLength(2); // the Jetson checks
    // Step 9, fixed: the .ts, the calibration cache and the logs go too (keep_files=false).
    expect(gpu.result.cleanup.map((c) => c.status)).toEqual(['pass']);
    for (const name of ['resnet18.onnx', 'resnet18_fp16.engine', 'calib.cache', 'resnet18_trt.ts', 'logs'])
      expect(existsSync(join(dir, name)), name).toBe(false);
  }, 60_000);
});
