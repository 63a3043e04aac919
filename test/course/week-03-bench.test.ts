// Week 3 (Compare Cost & Performance Across Clouds), the CPU-runnable part, run for real through the
// `ailab` CLI: cloud=local benchmarks this machine with Debian's python3-torch and a small N, the
// output is parsed into facts, and results.py writes results.csv and comparison.md (in a throwaway
// HOME). The course's own benchmark is run too, to show the crash the lab fixes. No cloud is used.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  DEBIAN_PYTHON,
  ensureBundle,
  type LabRun,
  problems,
  ROOT,
  runLabCli,
  step,
  stepCheck,
  verifyCheck,
} from './fixtures-w01-05/ailab-cli.js';

// The course's benchmark (lines 1008-1023) as written, with only N made small enough for a CPU.
const COURSE_BENCH = `import torch, time

device = "cuda" if torch.cuda.is_available() else "cpu"
x = torch.rand((256, 256), device=device)

# Warmup
y = x @ x

# Benchmark
start = time.time()
for _ in range(10):
    y = x @ x
torch.cuda.synchronize()
end = time.time()

print(f"Device: {torch.cuda.get_device_name(0) if device=='cuda' else 'CPU'}")
print("Time taken:", round(end-start, 3), "seconds")
`;

const STEPS = [
  'prerequisites',
  'benchmark-task',
  'connect',
  'torch-version',
  'run-benchmark',
  'record-results',
  'compare',
];

describe('week-03 on a CPU machine (cloud=local)', () => {
  let run: LabRun;
  let home: string;

  beforeAll(async () => {
    ensureBundle();
    home = makeTempDir('ailab-w03-home-');
    run = await runLabCli('week-03', {
      sets: { cloud: 'local', python: DEBIAN_PYTHON, n: 1024, iterations: 3 },
      only: STEPS,
      env: { HOME: home },
    });
  }, 60_000);

  afterAll(removeTempDirs);

  it("crashes with the course's benchmark on a CPU (the bug the lab fixes)", () => {
    const dir = makeTempDir('ailab-w03-course-');
    writeFileSync(join(dir, 'bench_course.py'), COURSE_BENCH);
    const course = spawnSync(DEBIAN_PYTHON, ['bench_course.py'], { cwd: dir, encoding: 'utf8' });
    expect(course.status).not.toBe(0);
    expect(course.stderr).toMatch(/AssertionError: Torch not compiled with CUDA enabled/);
  });

  it('runs every local step and its checks with the fixed benchmark', () => {
    for (const id of STEPS)
      expect(step(run.result, id).status, `${id}\n${problems(run.result)}`).toBe('pass');
    for (const id of ['launch-aws', 'launch-gcp', 'launch-azure', 'setup-driver', 'record-gpu'])
      expect(step(run.result, id).status, id).toBe('skip');
    expect(stepCheck(run.result, 'run-benchmark', 'The benchmark reports its device and time').status).toBe(
      'pass',
    );
    expect(stepCheck(run.result, 'run-benchmark', /under 30 s/).message).toBe(
      'skipped: cloud != local is false',
    );
    const bench = readFileSync(join(run.result.workDir!, 'bench-local.txt'), 'utf8');
    expect(bench).toMatch(/^Device: CPU$/m);
    expect(bench).toMatch(/^Matrix: 1024x1024, 3 matmuls$/m);
    const seconds = Number(/^Time taken: ([0-9.]+) seconds$/m.exec(bench)?.[1]);
    expect(seconds).toBeGreaterThan(0);
  });

  it('records the run in ~/ai-lab-week-03 and builds the comparison table', () => {
    const csv = readFileSync(join(home, 'ai-lab-week-03', 'results.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('cloud,gpu,torch,n,seconds,tflops,cost_per_hour,cost_per_run,tflops_per_dollar_hour');
    expect(csv[1]).toMatch(/^local,CPU,1\.13\.\S*,1024,[0-9.]+,[0-9.]+,0\.00,0\.000000,$/);
    const table = readFileSync(join(home, 'ai-lab-week-03', 'comparison.md'), 'utf8');
    expect(table).toMatch(/^\| local \| CPU \| /m);
    expect(table).toMatch(/^Best absolute performance: local/m);
    expect(readFileSync(join(home, 'ai-lab-week-03', 'reflection.md'), 'utf8')).toContain('best value');
  });

  it('computes cost per run and TFLOPS per $/h, not "runtime / cost"', () => {
    const dir = makeTempDir('ailab-w03-results-');
    const bench = join(run.result.workDir!, 'bench-local.txt');
    const results = join(ROOT, 'templates', 'week-03', 'results.py');
    execFileSync(DEBIAN_PYTHON, [results, dir, 'record', 'aws', '1.20', bench]);
    const row = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n')[1].split(',');
    const [, , , , seconds, tflops, cost, perRun, perDollar] = row;
    expect(Number(cost)).toBe(1.2);
    expect(Number(perRun)).toBeCloseTo((Number(seconds) / 3600) * 1.2, 6);
    expect(Number(perDollar)).toBeCloseTo(Number(tflops) / 1.2, 1);
  });

  it('grades the three clouds as missing: only a local baseline was run', () => {
    expect(run.result.status).toBe('failed');
    expect(run.code).toBe(1);
    for (const id of ['aws-row', 'gcp-row', 'azure-row', 'nvidia-smi', 'table'])
      expect(verifyCheck(run.result, id).status, id).toBe('fail');
    expect(verifyCheck(run.result, 'aws-row').hint).toBe('ailab run week-03 --set cloud=aws');
  });
});
