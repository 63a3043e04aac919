// Week 29 (Deploy CLIP for Image Search), run through the `ailab` CLI on this CPU machine with Debian's
// python3-torch, faiss, numpy, pil, fastapi, uvicorn and multipart under /usr/bin/python3, install=none (PyPI
// cannot be reached). What is real: the lab's drawn image set (make_images.py), clip_model.py, build_index.py
// with FAISS, search.py, server.py under uvicorn on a free port with its upload endpoint, and every check of
// the lab run against them (an upload through the http check's `form:`). What is a stand-in: the model.
// transformers is not in Debian and the Hugging Face Hub cannot be reached, so model=tiny trains tiny_clip.py
// (a lab template: a two-tower model built in torch with the processor/model API clip_model.py calls,
// 224x224 pixels and word ids in, 512-d features out, trained contrastively on drawings other than the indexed
// ones) in place of CLIP ViT-B/32. The course's build_index.py and search.py (test/course/fixtures-w29,
// verbatim) are run too: the first crashes on a .DS_Store, the second answers duplicates when k is above the
// number of images, and `ailab verify` grades a service built from them down; with nothing served, verify fails
// and says "connection refused". The transformers 5 fix is exercised with an object shaped like its output.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
const LAB = join(REPO_ROOT, 'labs', 'week-29.yaml');
const PROJECT = 'clip-search-lab';
const FIXTURES = join(import.meta.dirname, 'fixtures-w29');
const OFFLINE = ['--set', 'install=none', '--set', 'model=tiny', '--set', `python=${PYTHON}`];

interface Graded {
  code: number | null;
  result: RunResult;
}

async function ailab(args: string[]): Promise<Graded> {
  const run = await runCli([...args, '--yes', '--json'], { timeoutMs: 60_000 });
  try {
    return { code: run.code, result: JSON.parse(run.stdout) as RunResult };
  } catch {
    throw new Error(`ailab ${args.join(' ')} printed no JSON report (exit ${run.code}):\n${run.stderr}`);
  }
}

/** Python in a project folder with the stand-in model; its stdout. */
function python(cwd: string, code: string): string {
  return execFileSync(PYTHON, ['-c', code], {
    cwd,
    env: { ...process.env, CLIP_MODEL: join(cwd, 'tiny-clip') },
    encoding: 'utf8',
  });
}

beforeAll(ensureBuilt, 120_000);
afterAll(removeTempDirs);

describe('week-29 on a CPU machine: FAISS search served by uvicorn, with the tiny stand-in CLIP', () => {
  let port: number;
  let work: string;
  let run: Graded;

  beforeAll(async () => {
    port = await freePort();
    work = makeTempDir('ailab-w29-');
    run = await ailab(['run', LAB, '--workdir', work, ...OFFLINE, '--set', `port=${port}`]);
  }, 60_000);

  it('runs every local step and passes every graded check (100%, and the upload bonus)', () => {
    expect(run.result.status, failures(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of [
      'project',
      'check-deps',
      'images',
      'stand-in',
      'load-model',
      'build-index',
      'search',
      'serve',
      'test-api',
      'upload',
    ])
      expect(step(run.result, id).status, id).toBe('pass');
    expect(step(run.result, 'install').status).toBe('skip');
    expect(check(run.result, 'gpu').message).toMatch(/nvidia-smi/);
    expect(run.result.score).toMatchObject({ earned: 12, possible: 11, passed: true });
  });

  it('drew the labelled set, indexed 9 images, and the uploads went into images/ and the index', () => {
    const images = readdirSync(join(work, PROJECT, 'images')).sort();
    expect(images).toEqual([
      'bike1.jpg',
      'bike2.jpg',
      'bike3.jpg',
      'cat1.png',
      'cat2.png',
      'cat3.png',
      'dog1.jpg',
      'dog2.jpg',
      'dog3.jpg',
      'new_bike1.jpg',
      'new_cat1.png',
    ]);
    expect(step(run.result, 'build-index').outputTail).toMatch(/^Indexed 9 images\.$/m);
    // The service saved the index after each upload: 11 unit vectors, the uploads last.
    const saved = JSON.parse(
      python(
        join(work, PROJECT),
        'import json, pickle, numpy as np; i, m = pickle.load(open("clip_index.pkl", "rb")); ' +
          'print(json.dumps([i.ntotal, m[-2:], float(np.linalg.norm(i.reconstruct(10)))]))',
      ),
    );
    expect(saved.slice(0, 2)).toEqual([11, ['images/new_bike1.jpg', 'images/new_cat1.png']]);
    expect(saved[2]).toBeCloseTo(1, 4);
    // The course's curl: its own query, bicycles first.
    const answer = JSON.parse(step(run.result, 'test-api').outputTail ?? '{}');
    expect(answer.query).toBe('a man riding a bicycle');
    expect(answer.results.slice(0, 3).every((p: string) => /^images\/bike\d\.jpg$/.test(p))).toBe(true);
  });

  it('stopped uvicorn at cleanup and kept the index (keep_index=true)', async () => {
    expect(run.result.cleanup).toEqual([expect.objectContaining({ id: 'stop-serve', status: 'pass' })]);
    expect(await isPortOpen(port)).toBe(false);
    expect(existsSync(join(work, PROJECT, 'clip_index.pkl'))).toBe(true);
  });

  it('clip_model.py takes the tensor out of a transformers-5-shaped output (pooler_output)', () => {
    const out = python(
      join(work, PROJECT),
      'import torch; from types import SimpleNamespace; from clip_model import as_tensor; ' +
        't = torch.ones(1, 512); print(as_tensor(SimpleNamespace(pooler_output=t)) is t, as_tensor(t) is t)',
    );
    expect(out.trim()).toBe('True True');
  });

  describe("the course's build_index.py and search.py", () => {
    let uvicorn: ChildProcess | undefined;
    afterAll(() => {
      uvicorn?.kill('SIGTERM');
    });

    it('build_index.py crashes on a .DS_Store in images/; the fixed one skips it and sub-folders', () => {
      const project = join(makeTempDir('ailab-w29-ds-'), PROJECT);
      cpSync(join(work, PROJECT), project, { recursive: true });
      writeFileSync(join(project, 'images', '.DS_Store'), 'Bud1\0\0\0\x01');
      mkdirSync(join(project, 'images', 'thumbnails'));
      cpSync(join(FIXTURES, 'course_build_index.py'), join(project, 'course_build_index.py'));
      const env = { ...process.env, CLIP_MODEL: join(project, 'tiny-clip') };
      const course = spawnSync(PYTHON, ['course_build_index.py'], { cwd: project, env, encoding: 'utf8' });
      expect(course.status).not.toBe(0);
      expect(course.stderr).toMatch(/UnidentifiedImageError|IsADirectoryError/);
      const fixed = spawnSync(PYTHON, ['build_index.py'], { cwd: project, env, encoding: 'utf8' });
      expect(fixed.stdout.trim()).toBe('Indexed 11 images.');
    });

    it('with 3 images, search.py answers 5 results with duplicates; verify grades that service down', async () => {
      const project = join(makeTempDir('ailab-w29-course-'), PROJECT);
      cpSync(join(work, PROJECT), project, { recursive: true });
      for (const name of readdirSync(join(project, 'images')))
        if (!/^(bike1|dog1|cat1)\./.test(name)) rmSync(join(project, 'images', name));
      cpSync(join(FIXTURES, 'course_build_index.py'), join(project, 'build_index.py'));
      cpSync(join(FIXTURES, 'course_search.py'), join(project, 'search.py'));
      expect(python(project, 'exec(open("build_index.py").read())').trim()).toBe('Indexed 3 images.');
      const results: string[] = JSON.parse(
        python(
          project,
          'import json; from search import search_images; print(json.dumps(search_images("a cat", k=5)))',
        ),
      );
      expect(results).toHaveLength(5);
      expect(new Set(results).size).toBe(3);

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
      // Nothing served: connection refused, and the required check fails the lab.
      const nothing = await ailab(args);
      expect(nothing.code).toBe(1);
      expect(check(nothing.result, 'search').message).toMatch(/refused/i);
      expect(nothing.result.score?.passed).toBe(false);

      // The lab's server.py on the course's search.py and index.
      uvicorn = spawn(
        PYTHON,
        ['-m', 'uvicorn', 'server:app', '--host', '127.0.0.1', '--port', String(coursePort)],
        {
          cwd: project,
          env: { ...process.env, CLIP_MODEL: join(project, 'tiny-clip') },
          stdio: 'ignore',
        },
      );
      for (let i = 0; i < 100 && !(await isPortOpen(coursePort)); i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(await isPortOpen(coursePort)).toBe(true);
      const graded = await ailab(args);
      expect(graded.code).toBe(1);
      expect(check(graded.result, 'images').status).toBe('fail');
      expect(check(graded.result, 'index').status).toBe('fail');
      expect(check(graded.result, 'index').observed ?? JSON.stringify(check(graded.result, 'index'))).toMatch(
        /cosine: False/,
      );
      const unique = check(graded.result, 'results');
      expect(unique.status).toBe('fail');
      expect(JSON.stringify(unique)).toMatch(/5 results, unique: False/);
      expect(unique.hint).toMatch(/index\.ntotal/);
      // The answer has the right shape (5 paths), so only the uniqueness check, which is required, fails it.
      expect(check(graded.result, 'search').status).toBe('pass');
      expect(unique.required).toBe(true);
      expect(graded.result.score?.percent).toBeLessThan(100);
      expect(graded.result.score?.passed).toBe(false);
    }, 60_000);
  });
});
