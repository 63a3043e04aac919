#!/usr/bin/env node
// `run --parallel` benchmark: N labs whose one step waits a second (as a real step waits on a download,
// an image pull or a training epoch), run one after another and then N at a time, on the local target,
// measured in the same run (alternating rounds). The ratio shows what --parallel saves and what its
// scheduling costs: ideally sequential / parallel = N, and parallel wall time = one lab's.
//   node bench/parallel.mjs [labs] [rounds]    (default 4 labs, 3 rounds; `npm run build` first)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const labCount = Number(process.argv[2] ?? 4);
const rounds = Number(process.argv[3] ?? 3);
if (!existsSync(`${root}dist/main.js`)) {
  console.error('dist/main.js is missing: run `npm run build` first');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'ailab-bench-parallel-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const ids = Array.from({ length: labCount }, (_, i) => `wait-${i + 1}`);
for (const id of ids) {
  writeFileSync(
    join(dir, `${id}.yaml`),
    `id: ${id}
title: Wait a second, then grade
steps:
  - id: wait
    title: Wait a second
    run: sleep 1 && echo done > done.txt
verify:
  - id: done
    title: The step finished
    file: { path: done.txt, content: done }
`,
  );
}

function timeOnce(extra) {
  const started = process.hrtime.bigint();
  const result = spawnSync(
    process.execPath,
    [`${root}bin/ailab.js`, 'run', ...ids, '--yes', '--quiet', ...extra],
    {
      stdio: 'ignore',
      env: { ...process.env, AILAB_LABS_DIR: dir, AILAB_NO_HISTORY: '1', NO_COLOR: '1', CI: '1' },
    },
  );
  if (result.status !== 0) throw new Error(`ailab run ${extra.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const sequential = [];
const parallel = [];
for (let i = 0; i < rounds; i++) {
  sequential.push(timeOnce([]));
  parallel.push(timeOnce(['--parallel', String(labCount)]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seq = median(sequential);
const par = median(parallel);
console.log(`${labCount} labs, each one step of sleep 1; median of ${rounds} rounds`);
console.log(`one after another        ${seq.toFixed(0).padStart(6)} ms`);
console.log(`--parallel ${String(labCount).padEnd(13)}${par.toFixed(0).padStart(6)} ms`);
console.log(`speed-up                 ${(seq / par).toFixed(2)}x (ideal ${labCount}x)`);
