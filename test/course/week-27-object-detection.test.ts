// Week 27 (Deploy Real-Time Object Detection), run through the real `ailab` CLI on a CPU machine with no
// network: `ailab run week-27 --set install=none --set engine=opencv --set weights=none --set assets=offline
// --set source=file --set python=/usr/bin/python3`.
// Real: Debian's python3-opencv 4.6 (cv2.dnn runs the ONNX model, VideoCapture reads the clip), torch (the
// ONNX export), fastapi, uvicorn, python3-multipart and numpy under /usr/bin/python3; the lab's
// make_samples.py, quick_test.py, webcam.py (headless, on a video file) and server.py under uvicorn on a
// free port; every check of the lab against them (multipart uploads with the http check's `form:`).
// OpenCV's output for the exported network is compared with torch's own forward pass here.
// Not real: the weights (weights=none: a network with YOLOv8n's ONNX input and output and random weights,
// so it detects nothing at the default threshold; decoding and NMS are exercised below at a low one), and,
// for the course's own server.py, the `ultralytics` package (fixtures-w27/ultralytics: YOLO() running the
// same ONNX through the lab's detector.py). Ultralytics, yolov8n.pt, a webcam and Streamlit are not run.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isPortOpen } from '../helpers/net.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  bundleBuilt,
  DEBIAN_PYTHON,
  type LabRun,
  problems,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures-w27');
const OFFLINE = {
  install: 'none',
  engine: 'opencv',
  weights: 'none',
  assets: 'offline',
  source: 'file',
  python: DEBIAN_PYTHON,
};

const python = (cwd: string, code: string) =>
  execFileSync(DEBIAN_PYTHON, ['-c', code], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });

afterAll(removeTempDirs);

describe.skipIf(!bundleBuilt())('week-27 offline: OpenCV DNN, random weights, a video file', () => {
  let port: number;
  let work: string;
  let run: LabRun;

  beforeAll(async () => {
    port = await freePort();
    work = makeTempDir('ailab-w27-');
    run = await runLab('week-27', { workDir: work, sets: { ...OFFLINE, port } });
  }, 90_000);

  it('runs every step this machine can run and passes every graded check (100%)', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of ['check-deps', 'samples', 'model', 'quick-test', 'video', 'serve', 'curl', 'latency'])
      expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['install', 'webcam', 'streamlit']) expect(step(run.result, id).status, id).toBe('skip');
    for (const id of ['bus-and-people', 'streamlit'])
      expect(verifyCheck(run.result, id).status, id).toBe('skip');
    expect(verifyCheck(run.result, 'real-time').message).toMatch(/nvidia-smi/);
    expect(run.result.score).toMatchObject({ earned: 12, possible: 12, passed: true });
  });

  it('answered the upload with the detections, the image size and the time; read the 30 video frames', () => {
    const answer = JSON.parse(readFileSync(join(work, 'detect.json'), 'utf8'));
    expect(answer).toMatchObject({ image: { width: 810, height: 1080 }, model: 'yolov8n.onnx' });
    expect(Array.isArray(answer.detections)).toBe(true);
    expect(answer.time_ms).toBeGreaterThan(0);
    expect(readFileSync(join(work, 'video.log'), 'utf8')).toMatch(/^frames=30 objects=\d+ mean_ms=/m);
    const latency = step(run.result, 'latency').outputTail ?? '';
    expect(latency).toMatch(/requests=20 p95_ms=\d+/);
  });

  it("OpenCV's DNN runs the exported network: its output equals torch's forward pass", () => {
    const out = python(
      work,
      [
        'import cv2, numpy as np, torch',
        'import make_random_yolo',
        'img = cv2.imread("bus.jpg")',
        'sq = np.zeros((1080, 1080, 3), np.uint8); sq[:, :810] = img',
        'blob = cv2.dnn.blobFromImage(sq, 1 / 255.0, (640, 640), swapRB=True)',
        'net = cv2.dnn.readNetFromONNX("yolov8n.onnx"); net.setInput(blob); a = net.forward()',
        'with torch.no_grad(): b = make_random_yolo.build()(torch.from_numpy(blob)).numpy()',
        'print(a.shape, float(np.abs(a - b).max()))',
      ].join('\n'),
    );
    const [, shape, diff] = /^(\(.*\)) (\S+)$/m.exec(out.trim())!;
    expect(shape).toBe('(1, 84, 8400)');
    expect(Number(diff)).toBeLessThan(1e-3);
  }, 30_000);

  it('decodes the YOLOv8 output and applies NMS: at a low threshold, boxes inside the image, best first', () => {
    const out = python(
      work,
      [
        'import cv2, json, detector',
        'img = cv2.imread("bus.jpg")',
        'for conf in (0.25, 0.05):',
        '    d = detector.load("yolov8n.onnx", conf=conf).detect(img)',
        '    ok = all(0 <= x["bbox"][0] < x["bbox"][2] <= 810 and 0 <= x["bbox"][1] < x["bbox"][3] <= 1080 for x in d)',
        '    c = [x["confidence"] for x in d]',
        '    print(json.dumps({"conf": conf, "n": len(d), "inside": ok, "sorted": c == sorted(c, reverse=True),',
        '                      "classes_known": all(x["class"] in detector.COCO80 for x in d)}))',
      ].join('\n'),
    );
    const [strict, low] = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // Random weights score every class near 0.05: nothing passes Ultralytics' default 0.25 …
    expect(strict).toMatchObject({ conf: 0.25, n: 0 });
    // … and at 0.05 thousands of the 8400 anchors do, which NMS reduces to non-overlapping boxes.
    expect(low).toMatchObject({ conf: 0.05, inside: true, sorted: true, classes_known: true });
    expect(low.n).toBeGreaterThan(0);
    expect(low.n).toBeLessThan(8400);
  }, 30_000);

  it('stopped uvicorn at cleanup', async () => {
    expect(run.result.cleanup).toEqual([expect.objectContaining({ id: 'stop-serve', status: 'pass' })]);
    expect(await isPortOpen(port)).toBe(false);
  });

  describe("the course's server.py (with a stand-in ultralytics running the same ONNX)", () => {
    let server: ChildProcess | undefined;
    afterAll(() => {
      if (server?.pid) process.kill(-server.pid, 'SIGTERM');
    });

    it('with nothing served, verify fails the required check with "connection refused"', async () => {
      const graded = await runLab('week-27', {
        mode: 'verify',
        workDir: work,
        sets: { ...OFFLINE, port: await freePort() },
      });
      expect(graded.result.status).toBe('failed');
      expect(verifyCheck(graded.result, 'detect').status).toBe('fail');
      expect(verifyCheck(graded.result, 'detect').message).toMatch(/refused/i);
    }, 60_000);

    it('answers 500 to a text file, and --reload runs a watcher: those checks fail', async () => {
      const dir = makeTempDir('ailab-w27-course-');
      cpSync(work, dir, { recursive: true });
      cpSync(join(FIXTURES, 'course_server.py'), join(dir, 'server.py'));
      const coursePort = await freePort();
      // As the course runs it: uvicorn server:app --reload --port 8000 (on a free port here).
      server = spawn(
        DEBIAN_PYTHON,
        ['-m', 'uvicorn', 'server:app', '--reload', '--host', '127.0.0.1', '--port', String(coursePort)],
        {
          cwd: dir,
          detached: true,
          stdio: 'ignore',
          env: { ...process.env, PYTHONPATH: FIXTURES, PYTHONDONTWRITEBYTECODE: '1' },
        },
      );
      for (let i = 0; i < 150 && !(await isPortOpen(coursePort)); i++)
        await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await isPortOpen(coursePort)).toBe(true);

      const graded = await runLab('week-27', {
        mode: 'verify',
        workDir: dir,
        sets: { ...OFFLINE, port: coursePort },
      });
      const notImage = verifyCheck(graded.result, 'not-an-image');
      expect(notImage.status).toBe('fail');
      expect(JSON.stringify(notImage)).toContain('500');
      expect(notImage.hint).toMatch(/HTTPException\(400/);
      expect(verifyCheck(graded.result, 'no-reload').status).toBe('fail');
      // It has no /healthz and answers only the detections (no size or time): graded down, not failed.
      expect(verifyCheck(graded.result, 'health').status).toBe('fail');
      expect(verifyCheck(graded.result, 'timing').status).toBe('fail');
      for (const id of ['detect', 'boxes', 'quick-test', 'annotated', 'video', 'latency'])
        expect(verifyCheck(graded.result, id).status, id).toBe('pass');
      expect(graded.result.score.earned).toBeLessThan(9);
    }, 60_000);
  });
});
