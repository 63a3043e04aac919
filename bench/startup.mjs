#!/usr/bin/env node
// Start-up benchmark: times `ailab --help`, `ailab list` and `ailab lint labs/` against `node -e 0`,
// measured in the same run (interleaved, so machine noise hits all alike), and prints medians and
// ratios. Goal (issue 2): --help and list within 1.8x of node -e 0.
//   node bench/startup.mjs [runs]    (default 21 runs each; `npm run build` first)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 21);
const bin = `${root}bin/ailab.js`;
if (!existsSync(`${root}dist/main.js`)) {
  console.error('dist/main.js is missing: run `npm run build` first');
  process.exit(2);
}

const cases = [
  { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
  { name: 'ailab --help', args: [bin, '--help'] },
  { name: 'ailab list', args: [bin, 'list'] },
  { name: 'ailab lint labs/', args: [bin, 'lint', `${root}labs`] },
];

function timeOnce(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
  return ms;
}

const samples = cases.map(() => []);
for (const c of cases) timeOnce(c.args); // warm the file cache
for (let i = 0; i < runs; i++) {
  for (const [j, c] of cases.entries()) samples[j].push(timeOnce(c.args));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const base = median(samples[0]);
console.log(`start-up, median of ${runs} runs each (node ${process.version})`);
console.log(`${'command'.padEnd(24)} ${'median'.padStart(9)} ${'ratio'.padStart(7)}`);
cases.forEach((c, j) => {
  const m = median(samples[j]);
  console.log(
    `${c.name.padEnd(24)} ${`${m.toFixed(1)} ms`.padStart(9)} ${`${(m / base).toFixed(2)}x`.padStart(7)}`,
  );
});
