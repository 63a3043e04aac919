// Week 21 (Deploy YOLOv5 on Jetson Nano), run through the real `ailab` CLI on a CPU machine with no
// Jetson, no GPU, no TensorRT and no network: install=none, live=false, require_cuda=false,
// python=/usr/bin/python3.
// Real: the venv made by Debian's Python with --system-site-packages (it sees Debian's torch; the
// course's plain venv is shown unable to), `git clone --depth 1 --branch v6.1` (a local repository),
// the requirements filtered of torch/torchvision/opencv-python, speed_compare.py on the two detect.py
// logs and on REAL recorded detect.py logs (fixtures-w21/recorded, sources in SOURCES.md), the lab's
// app.py under Debian's uvicorn + fastapi + python-multipart answering the lab's multipart http check
// and 400 for a non-image, uvicorn stopped at cleanup, and the lab's checks.
// Stand-ins (test/course/fixtures-w21, see SOURCES.md): the cloned "yolov5" is a stand-in repository:
// detect.py replays CONSTRUCTED Jetson Nano logs and labels; export.py writes a REAL ONNX file of a tiny
// torch detector with YOLOv5's input/output format and refuses the CPU engine export with YOLOv5's
// assertion; hubconf.py returns that tiny detector (seeded random weights: its detections mean nothing,
// yolov5s.pt cannot be downloaded here). tegrastats and /etc/nv_tegra_release replay week 22's RECORDED
// Jetson Nano outputs (fixtures-w22); nvcc and the tensorrt module print JetPack 4.6's versions.
// Not proven: a Jetson, CUDA, TensorRT, a camera, the pip installs, YOLOv5's detections and speed-up.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { freePort, isPortOpen } from '../helpers/net.js';
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

const FIXTURES = join(ROOT, 'test', 'course', 'fixtures-w21');
const W22 = join(ROOT, 'test', 'course', 'fixtures-w22');
const ENV = {
  PATH: `${join(W22, 'bin')}:${process.env.PATH}`, // week 22's stand-in tegrastats
  PYTHONPATH: FIXTURES, // the stand-in tensorrt module
  AILAB_NO_HISTORY: '1',
};
const STEPS = [
  'prerequisites',
  'venv',
  'check-torch',
  'clone',
  'detect-pytorch',
  'export-onnx',
  'export-engine',
  'detect-tensorrt',
  'compare',
  'api',
];

/** The stand-in YOLOv5 as a git repository tagged v6.1, with two sample images drawn by Pillow. */
function makeRepo(): string {
  const repo = join(makeTempDir('ailab-w21-repo-'), 'yolov5');
  cpSync(join(FIXTURES, 'yolov5'), repo, { recursive: true });
  mkdirSync(join(repo, 'data', 'images'), { recursive: true });
  execFileSync(DEBIAN_PYTHON, [
    '-c',
    [
      'import sys',
      'from PIL import Image, ImageDraw',
      'for name, size in (("bus", (810, 1080)), ("zidane", (1280, 720))):',
      '    im = Image.new("RGB", size, (120, 160, 200))',
      '    ImageDraw.Draw(im).rectangle((40, 200, size[0] - 40, size[1] - 200), fill=(30, 60, 200))',
      '    im.save(f"{sys.argv[1]}/{name}.jpg", quality=90)',
    ].join('\n'),
    join(repo, 'data', 'images'),
  ]);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.invalid', ...args], {
      cwd: repo,
      stdio: 'pipe',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'stand-in yolov5');
  git('tag', 'v6.1');
  return repo;
}

function sets(repo: string, port: number): Record<string, string | number> {
  return {
    python: DEBIAN_PYTHON,
    install: 'none',
    live: 'false',
    require_cuda: 'false',
    yolov5_repo: `file://${repo}`,
    tegra_release: join(W22, 'recorded', 'nv_tegra_release-r32.7.1'),
    cuda_home: FIXTURES,
    port,
  };
}

const speedCompare = (cwd: string, ...logs: string[]) =>
  spawnSync(DEBIAN_PYTHON, [join(ROOT, 'templates', 'week-21', 'speed_compare.py'), ...logs], {
    cwd,
    encoding: 'utf8',
  });

beforeAll(ensureBuilt, 120_000);
afterAll(removeTempDirs);

describe('week-21 on a CPU machine: the Jetson path with a stand-in YOLOv5 repository', () => {
  let repo: string;
  let work: string;
  let port: number;
  let run: LabRun;

  beforeAll(async () => {
    repo = makeRepo();
    work = makeTempDir('ailab-w21-');
    port = await freePort();
    run = await runLab('week-21', { workDir: work, sets: sets(repo, port), env: ENV, timeoutMs: 150_000 });
  }, 160_000);

  it('runs every step and passes every graded check', async () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of STEPS) expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['system-packages', 'torch', 'live-pytorch', 'live-tensorrt'])
      expect(step(run.result, id).status, id).toBe('skip');
    for (const id of ['jetpack', 'venv', 'pytorch-detect', 'onnx', 'engine', 'engine-detect', 'speedup'])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
    for (const id of ['gpu-load', 'api', 'api-not-image'])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
    // The stand-in detector is not yolov5s: it finds no bus, and the bonus says so.
    expect(verifyCheck(run.result, 'bus').status).toBe('fail');
    // Every counted check earned its points; the failed bonus may add partial credit (its exit code held).
    const bus = verifyCheck(run.result, 'bus');
    expect(run.result.score.possible).toBe(14);
    expect(run.result.score.earned).toBe(14 + bus.earned);
    // ailab stopped uvicorn at the end.
    expect(await isPortOpen(port)).toBe(false);
  });

  it('checked JetPack, nvcc and tegrastats, and skipped the CUDA check only because require_cuda=false', () => {
    const pre = step(run.result, 'prerequisites').checks;
    expect(pre.map((c) => [c.id, c.status])).toEqual([
      ['l4t', 'pass'],
      ['nvcc', 'pass'],
      ['tegrastats', 'pass'],
    ]);
    const torch = step(run.result, 'check-torch').checks;
    expect(torch.map((c) => [c.id, c.status])).toEqual([
      ['imports', 'pass'],
      ['cuda', 'skip'],
    ]);
  });

  it('made the venv with --system-site-packages and cloned v6.1 without torch/torchvision/opencv-python', () => {
    expect(readFileSync(join(work, 'yolov5-env', 'pyvenv.cfg'), 'utf8')).toMatch(
      /^include-system-site-packages = true$/m,
    );
    expect(step(run.result, 'clone').outputTail).toMatch(/^v6\.1$/m);
    const kept = readFileSync(join(work, 'yolov5', 'requirements-jetson.txt'), 'utf8');
    expect(kept).toMatch(/^numpy>=/m);
    expect(kept).toMatch(/^pandas>=/m);
    expect(kept).not.toMatch(/^(torch|torchvision|opencv-python)\b/m);
  });

  it('exported a real ONNX file with YOLOv5 input and output shapes', () => {
    const out = execFileSync(
      DEBIAN_PYTHON,
      [
        '-c',
        'import onnx; m = onnx.load("yolov5/yolov5s.onnx"); o = m.graph.output[0]; print(o.name, [d.dim_value for d in o.type.tensor_type.shape.dim])',
      ],
      { cwd: work, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('output [1, 25200, 85]');
    expect(readFileSync(join(work, 'logs', 'export-engine.log'), 'utf8')).toContain(
      "device=0, half=True, include=['engine']",
    );
  });

  it('compared the PyTorch and TensorRT Speed lines (193.4 ms / 65.2 ms inference)', () => {
    const out = speedCompare(work, 'logs/detect-pt.log', 'logs/detect-engine.log');
    expect(out.status).toBe(0);
    const json = JSON.parse(out.stdout.slice(0, out.stdout.lastIndexOf('}') + 1));
    expect(json.baseline).toMatchObject({
      inference_ms: 193.4,
      pre_ms: 6.1,
      nms_ms: 11.8,
      fps_inference: 5.17,
    });
    expect(json.optimized).toMatchObject({
      inference_ms: 65.2,
      fps_inference: 15.34,
      shape: [1, 3, 640, 640],
    });
    expect(json.speedup).toBe(2.97);
    expect(out.stdout.trim().split('\n').at(-1)).toBe('speedup=2.97');
  });

  it("serves app.py's detections in YOLOv5's pandas records and refuses a non-image with 400", async () => {
    // The lab's API is stopped; serve app.py again from the run's clone, as the lab does.
    const apiPort = await freePort();
    const { spawn } = await import('node:child_process');
    const server = spawn(
      join(work, 'yolov5-env', 'bin', 'python'),
      ['-m', 'uvicorn', 'app:app', '--host', '127.0.0.1', '--port', String(apiPort)],
      { cwd: join(work, 'yolov5'), env: { ...process.env, YOLO_WEIGHTS: 'yolov5s.engine' }, stdio: 'ignore' },
    );
    try {
      const deadline = Date.now() + 60_000;
      while (!(await isPortOpen(apiPort))) {
        if (Date.now() > deadline) throw new Error('uvicorn did not start');
        await new Promise((r) => setTimeout(r, 300));
      }
      const form = new FormData();
      const jpg = readFileSync(join(work, 'yolov5', 'data', 'images', 'bus.jpg'));
      form.append('file', new Blob([jpg], { type: 'image/jpeg' }), 'bus.jpg');
      const res = await fetch(`http://127.0.0.1:${apiPort}/predict`, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      const rows = (await res.json()) as Record<string, number | string>[];
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(Object.keys(row)).toEqual(['xmin', 'ymin', 'xmax', 'ymax', 'confidence', 'class', 'name']);
        expect(row.confidence).toBeGreaterThanOrEqual(0.4);
        expect(row.xmax).toBeLessThanOrEqual(810);
        expect(row.ymax).toBeLessThanOrEqual(1080);
      }
      const bad = new FormData();
      bad.append('file', new Blob(['not an image'], { type: 'image/jpeg' }), 'x.jpg');
      const refused = await fetch(`http://127.0.0.1:${apiPort}/predict`, { method: 'POST', body: bad });
      expect(refused.status).toBe(400);
      // The course's app handed the raw bytes to the model: YOLOv5's AutoShape refuses them.
      const course = spawnSync(
        join(work, 'yolov5-env', 'bin', 'python'),
        [
          '-c',
          'import torch; m = torch.hub.load(".", "custom", path="yolov5s.engine", source="local"); m(open("data/images/bus.jpg", "rb").read())',
        ],
        { cwd: join(work, 'yolov5'), encoding: 'utf8' },
      );
      expect(course.status).not.toBe(0);
      expect(course.stderr).toMatch(/AutoShape takes a path, URL, PIL image or numpy array, not bytes/);
    } finally {
      server.kill('SIGTERM');
    }
  }, 90_000);
});

describe("week-21: the course's mistakes fail the graded checks", () => {
  it('a plain venv cannot import the system packages (tensorrt on a Jetson, torch here)', () => {
    const dir = makeTempDir('ailab-w21-venv-');
    execFileSync(DEBIAN_PYTHON, ['-m', 'venv', 'plain'], { cwd: dir });
    execFileSync(DEBIAN_PYTHON, ['-m', 'venv', '--system-site-packages', 'fixed'], { cwd: dir });
    const importTorch = (venv: string) =>
      spawnSync(join(dir, venv, 'bin', 'python'), ['-c', 'import torch'], { encoding: 'utf8' });
    expect(importTorch('plain').stderr).toMatch(/No module named 'torch'/);
    expect(importTorch('fixed').status).toBe(0);
  }, 60_000);

  it("fails verify after the course's steps: plain venv, CPU engine export, only the engine timed", async () => {
    const repo = makeRepo();
    const dir = makeTempDir('ailab-w21-course-');
    execFileSync(DEBIAN_PYTHON, ['-m', 'venv', 'yolov5-env'], { cwd: dir });
    execFileSync('git', ['clone', '-q', `file://${repo}`, 'yolov5'], { cwd: dir });
    mkdirSync(join(dir, 'logs'));
    const y = join(dir, 'yolov5');
    // Step 5 as written: export.py's default device is the CPU.
    const engine = spawnSync(DEBIAN_PYTHON, ['export.py', '--weights', 'yolov5s.pt', '--include', 'engine'], {
      cwd: y,
      encoding: 'utf8',
    });
    expect(engine.status).toBe(1);
    expect(engine.stderr).toContain(
      'export running on CPU but must be on GPU, i.e. `python export.py --device 0`',
    );
    writeFileSync(join(dir, 'logs', 'export-engine.log'), engine.stdout + engine.stderr);
    // Step 7 as written: only the engine (which does not exist), and nothing saved to compare with.
    const detect = spawnSync(
      DEBIAN_PYTHON,
      ['detect.py', '--source', 'data/images', '--weights', 'yolov5s.engine', '--conf', '0.4', '--save-txt'],
      { cwd: y, encoding: 'utf8' },
    );
    expect(detect.status).not.toBe(0);
    expect(speedCompare(dir, 'logs/detect-pt.log', 'logs/detect-engine.log').status).not.toBe(0);

    const verify = await runLab('week-21', {
      mode: 'verify',
      workDir: dir,
      sets: { ...sets(repo, await freePort()), api: 'no' },
      env: ENV,
    });
    expect(verify.result.status).toBe('failed');
    for (const id of ['venv', 'pytorch-detect', 'engine', 'engine-detect', 'speedup'])
      expect(verifyCheck(verify.result, id).status, id).toBe('fail');
    expect(verifyCheck(verify.result, 'venv').hint).toMatch(/--system-site-packages/);
    expect(verifyCheck(verify.result, 'engine').hint).toMatch(/--device 0 --half/);
    for (const id of ['jetpack', 'gpu-load']) expect(verifyCheck(verify.result, id).status, id).toBe('pass');
    for (const id of ['api', 'api-not-image', 'bus'])
      expect(verifyCheck(verify.result, id).status, id).toBe('skip');
    expect(verify.result.score.percent).toBeLessThan(70);
  }, 90_000);

  it('with nothing served, the API checks fail', async () => {
    const dir = makeTempDir('ailab-w21-empty-');
    const repo = makeRepo();
    execFileSync('git', ['clone', '-q', `file://${repo}`, 'yolov5'], { cwd: dir });
    const verify = await runLab('week-21', {
      mode: 'verify',
      workDir: dir,
      sets: sets(repo, await freePort()),
      env: ENV,
    });
    expect(verify.result.status).toBe('failed');
    expect(verifyCheck(verify.result, 'api').status).toBe('fail');
    expect(verifyCheck(verify.result, 'api').message).toMatch(/connection refused/);
    expect(verifyCheck(verify.result, 'pytorch-detect').status).toBe('fail');
  }, 60_000);
});

describe('speed_compare.py on REAL recorded detect.py output (fixtures-w21/recorded, SOURCES.md)', () => {
  it('reads the Speed line of a T4 run (with ANSI colours), an RTX 3070 run and a README quote', () => {
    const rec = join(FIXTURES, 'recorded');
    const a = speedCompare(rec, 'detect-bus-readme.log', 'detect-t4-v7.0.log');
    expect(a.status, a.stderr).toBe(0);
    const json = JSON.parse(a.stdout.slice(0, a.stdout.lastIndexOf('}') + 1));
    expect(json.baseline).toMatchObject({ pre_ms: 1.7, inference_ms: 104.4, nms_ms: 6.8 });
    expect(json.optimized).toMatchObject({
      pre_ms: 0.6,
      inference_ms: 11.5,
      nms_ms: 14.1,
      fps_end_to_end: 38.17,
    });
    expect(json.speedup).toBe(9.08);
    const b = speedCompare(rec, 'detect-rtx3070-issue12630.log', 'detect-t4-v7.0.log');
    expect(b.stdout.trim().split('\n').at(-1)).toBe('speedup=1.57');
    const missing = speedCompare(rec, 'detect-t4-v7.0.log', join(ROOT, 'README.md'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no 'Speed: \.\.\.ms inference\.\.\.' line/);
  });
});
