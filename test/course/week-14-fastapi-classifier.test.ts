// Week 14 (Serve an Image Classifier with FastAPI), run for real through the `ailab` CLI on this CPU
// machine: Debian's python3-torch, torchvision, fastapi, uvicorn, multipart, pil and requests under
// /usr/bin/python3, with install=none (PyPI cannot be reached), assets=offline (the labels from the
// installed torchvision, the test images drawn with Pillow) and weights=none (random ResNet18 weights:
// download.pytorch.org cannot be reached). uvicorn serves the lab's app on a free port and every check
// runs against it: nothing is a stand-in. Docker (no engine here) and the pretrained weights are not run.
// The course's own app/main.py (test/course/fixtures-w14/course_main.py, verbatim) is run too: through the
// lab it cannot start offline (weights fetched at import), and with only that patched, `ailab verify`
// grades its 500 on a file that is not an image down; with nothing served, verify fails and says why.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import { ensureBuilt, REPO_ROOT, runCli } from '../helpers/cli.js';
import { freePort, isPortOpen } from '../helpers/net.js';
import {
  verifyResult as check,
  failureLines as failures,
  stepResult as step,
} from '../helpers/run-result.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const PYTHON = '/usr/bin/python3';
const LAB = join(REPO_ROOT, 'labs', 'week-14.yaml');
const PROJECT = 'lab98_fastapi_classifier';
const COURSE_MAIN = join(import.meta.dirname, 'fixtures-w14', 'course_main.py');
const OFFLINE = ['--set', 'install=none', '--set', 'assets=offline', '--set', `python=${PYTHON}`];

interface Graded {
  code: number | null;
  result: RunResult;
  stderr: string;
}

async function ailab(args: string[], env: Record<string, string> = {}): Promise<Graded> {
  const run = await runCli([...args, '--yes', '--json'], { timeoutMs: 100_000, env });
  try {
    return { code: run.code, stderr: run.stderr, result: JSON.parse(run.stdout) as RunResult };
  } catch {
    throw new Error(`ailab ${args.join(' ')} printed no JSON report (exit ${run.code}):\n${run.stderr}`);
  }
}

beforeAll(ensureBuilt, 120_000);
afterAll(removeTempDirs);

describe('week-14 on a CPU machine: the fixed app served by uvicorn (weights=none, assets=offline)', () => {
  let port: number;
  let work: string;
  let run: Graded;

  beforeAll(async () => {
    port = await freePort();
    work = makeTempDir('ailab-w14-');
    run = await ailab([
      'run',
      LAB,
      '--workdir',
      work,
      ...OFFLINE,
      '--set',
      'weights=none',
      '--set',
      `port=${port}`,
    ]);
  }, 110_000);

  it('runs every local step and passes every graded check (100%)', () => {
    expect(run.result.status, failures(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of ['project-setup', 'check-deps', 'labels', 'run-api', 'samples', 'predict'])
      expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['install', 'build-image', 'run-container'])
      expect(step(run.result, id).status, id).toBe('skip');
    for (const id of ['samoyed', 'image', 'container']) expect(check(run.result, id).status, id).toBe('skip');
    expect(check(run.result, 'gpu').message).toMatch(/nvidia-smi/);
    expect(run.result.score).toMatchObject({ earned: 10, possible: 10, passed: true });
  });

  it('wrote the 1000 ImageNet labels from torchvision, Samoyed at line 259, and the test images', () => {
    const labels = readFileSync(join(work, PROJECT, 'imagenet_classes.txt'), 'utf8')
      .trim()
      .split('\n');
    expect(labels).toHaveLength(1000);
    expect(labels[258]).toBe('Samoyed');
    expect(readFileSync(join(work, PROJECT, 'dog.jpg')).subarray(0, 3)).toEqual(
      Buffer.from([0xff, 0xd8, 0xff]),
    );
    expect(
      readFileSync(join(work, PROJECT, 'dog.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it("printed the client's answer for dog.jpg: resnet18 on the CPU, 5 labelled predictions", () => {
    const out = step(run.result, 'predict').outputTail ?? '';
    expect(out).toMatch(/'model': 'resnet18', 'device': 'cpu', 'top_k': 5/);
    const indexes = [...out.matchAll(/'index': (\d+), 'label': '[^']+'/g)].map((m) => Number(m[1]));
    expect(indexes).toHaveLength(5);
    for (const index of indexes) expect(index).toBeLessThan(1000);
  });

  it('refused a text file (415), text named .jpg (400) and top_k 0 and 21 (422)', () => {
    for (const id of ['unsupported-type', 'not-an-image', 'top-k-bounds', 'probabilities', 'png'])
      expect(check(run.result, id).status, id).toBe('pass');
  });

  it('stopped uvicorn at cleanup: the port is closed again', async () => {
    expect(run.result.cleanup).toEqual([expect.objectContaining({ id: 'stop-run-api', status: 'pass' })]);
    expect(await isPortOpen(port)).toBe(false);
  });

  describe("the course's app/main.py", () => {
    let uvicorn: ChildProcess | undefined;
    afterAll(() => {
      uvicorn?.kill('SIGTERM');
    });

    it('cannot start offline: the lab stops at run-api with the download error from the log', async () => {
      // The lab and its templates copied, with the course's main.py in place of the fixed one.
      const tree = makeTempDir('ailab-w14-course-');
      mkdirSync(join(tree, 'labs'));
      cpSync(LAB, join(tree, 'labs', 'week-14.yaml'));
      cpSync(join(REPO_ROOT, 'templates', 'week-14'), join(tree, 'templates', 'week-14'), {
        recursive: true,
      });
      cpSync(COURSE_MAIN, join(tree, 'templates', 'week-14', 'app', 'main.py'));
      const coursePort = await freePort();
      // A proxy where nothing listens: no download can succeed, even on a machine with a network.
      const closed = `http://127.0.0.1:${await freePort()}`;
      const failed = await ailab(
        [
          'run',
          join(tree, 'labs', 'week-14.yaml'),
          '--workdir',
          makeTempDir('ailab-w14-cw-'),
          ...OFFLINE,
          '--set',
          `port=${coursePort}`,
        ],
        { https_proxy: closed, HTTPS_PROXY: closed },
      );
      expect(failed.code).toBe(1);
      const runApi = step(failed.result, 'run-api');
      expect(runApi.status).toBe('fail');
      expect(`${runApi.message}\n${runApi.outputTail}`).toMatch(/URLError|download\.pytorch\.org/);
      expect(check(failed.result, 'predict')).toMatchObject({ status: 'fail' });
    }, 100_000);

    it('with only its weights patched, verify grades its 500 on a non-image down (and nothing served fails)', async () => {
      const project = join(makeTempDir('ailab-w14-verify-'), PROJECT);
      cpSync(join(work, PROJECT), project, { recursive: true });
      const coursePort = await freePort();
      const args = [
        'verify',
        LAB,
        '--workdir',
        project,
        '--set',
        `port=${coursePort}`,
        '--set',
        `python=${PYTHON}`,
      ];

      // Nothing served yet: the health check says connection refused, the required check fails the lab.
      const nothing = await ailab(args);
      expect(nothing.code).toBe(1);
      expect(check(nothing.result, 'health').message).toMatch(/refused/i);
      expect(check(nothing.result, 'predict').status).toBe('fail');
      expect(nothing.result.score?.passed).toBe(false);

      // The course's code with weights="DEFAULT" → None (no download possible here), run as the course
      // says: uvicorn started in the project folder, where imagenet_classes.txt is.
      const course = readFileSync(COURSE_MAIN, 'utf8').replace('weights="DEFAULT"', 'weights=None');
      expect(course).toContain('resnet18(weights=None)');
      writeFileSync(join(project, 'app', 'main.py'), course);
      uvicorn = spawn(
        PYTHON,
        ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(coursePort)],
        { cwd: project, stdio: 'ignore' },
      );
      for (let i = 0; i < 100 && !(await isPortOpen(coursePort)); i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(await isPortOpen(coursePort)).toBe(true);

      const graded = await ailab(args);
      const notImage = check(graded.result, 'not-an-image');
      expect(notImage.status).toBe('fail');
      expect(JSON.stringify(notImage)).toContain('500');
      expect(notImage.hint).toMatch(/UnidentifiedImageError/);
      for (const id of [
        'health',
        'predict',
        'probabilities',
        'png',
        'client',
        'unsupported-type',
        'top-k-bounds',
      ])
        expect(check(graded.result, id).status, id).toBe('pass');
      // Partial credit: curl exited 0 (one expectation of the check), its status was 500, not 400.
      expect(graded.result.score?.earned).toBeGreaterThanOrEqual(9);
      expect(graded.result.score?.earned).toBeLessThan(10);
    }, 100_000);
  });
});
