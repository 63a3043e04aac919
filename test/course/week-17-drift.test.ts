// Week 17 (Build a Drift Detection Pipeline), run for real through `ailab run` on a CPU machine, with
// no stand-in: Debian's python3-pandas, python3-sklearn, python3-scipy and python3-prometheus-client
// run the lab's scripts (reference data, the monitor serving /metrics on 127.0.0.1, a stable then a
// drifting mock stream), Debian's prometheus 2.42 scrapes the monitor and answers the lab's PromQL
// checks, and promtool checks and unit-tests the alert rules. The path is engine=scipy (Evidently is
// not in Debian and PyPI cannot be reached: the evidently engine is not run here), stream=mock (no
// Kafka broker in Debian), prometheus=local. The install step (pip) is not run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

const STEPS = [
  'prepare-reference',
  'drift-monitor',
  'stream-stable',
  'stream-drift',
  'prometheus',
  'prometheus-query',
  'alert-rules',
  'grafana',
];

describe.skipIf(!bundleBuilt())(
  'week-17 on a CPU machine (engine=scipy, stream=mock, prometheus=local)',
  () => {
    let run: LabRun;
    let workDir: string;
    let port: number;
    let promPort: number;

    beforeAll(async () => {
      workDir = makeTempDir('ailab-week-17-');
      port = await freePort();
      promPort = await freePort();
      run = await runLab('week-17', {
        workDir,
        sets: {
          python: DEBIAN_PYTHON,
          engine: 'scipy',
          stream: 'mock',
          prometheus: 'local',
          port,
          prom_port: promPort,
        },
        only: STEPS,
      });
    }, 150_000);

    afterAll(removeTempDirs);

    it('runs every step it can, passes every check, and grades 100%', () => {
      expect(run.result.status, problems(run.result)).toBe('passed');
      expect(run.code).toBe(0);
      for (const id of STEPS) expect(step(run.result, id).status, id).toBe('pass');
      for (const id of ['install', 'kafka', 'prometheus-existing'])
        expect(step(run.result, id).status, id).toBe('skip');
      expect(run.result.verify.map((c) => [c.id, c.status])).toEqual(
        [
          'reference',
          'reference-rows',
          'monitor',
          'batches',
          'dataset-drift',
          'feature-drift',
          'concept-drift',
          'prometheus-up',
          'prometheus-drift',
          'alert-rules',
          'dashboard',
        ].map((id) => [id, 'pass']),
      );
      expect(run.result.score.percent).toBe(100);
    });

    it('saw no data-set drift in the stable phase and drift in the drifting one', () => {
      const stable = step(run.result, 'stream-stable');
      expect(stable.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
      expect(step(run.result, 'stream-drift').checks.map((c) => c.status)).toEqual([
        'pass',
        'pass',
        'pass',
        'pass',
      ]);
      // The monitor's own log of each batch, from the moved batch files: 3 stable, then 3 drifting.
      const processed = execFileSync('ls', [join(workDir, 'data/stream/processed')], { encoding: 'utf8' });
      expect(processed.trim().split('\n')).toHaveLength(6);
    });

    it("wrote the reference the monitor compares with (2000 rows, the model's predictions)", () => {
      const lines = readFileSync(join(workDir, 'data/reference.csv'), 'utf8').trim().split('\n');
      expect(lines[0]).toBe('f0,f1,f2,f3,f4,segment,target,prediction');
      expect(lines).toHaveLength(2001);
    });

    it('stopped the monitor and Prometheus at cleanup', async () => {
      expect(run.result.cleanup.map((c) => [c.id, c.status])).toEqual(
        expect.arrayContaining([
          ['stop-drift-monitor', 'pass'],
          ['stop-prometheus', 'pass'],
        ]),
      );
      expect(await isPortOpen(port)).toBe(false);
      expect(await isPortOpen(promPort)).toBe(false);
    });

    it('fails the drift checks when the drift step is skipped', async () => {
      const skipped = await runLab('week-17', {
        workDir: makeTempDir('ailab-week-17-nodrift-'),
        sets: { python: DEBIAN_PYTHON, engine: 'scipy', port: await freePort(), prom_port: await freePort() },
        only: ['prepare-reference', 'drift-monitor', 'stream-stable'],
      });
      expect(skipped.result.status).toBe('failed');
      expect(step(skipped.result, 'stream-stable').status).toBe('pass');
      for (const id of ['reference', 'monitor'])
        expect(verifyCheck(skipped.result, id).status, id).toBe('pass');
      for (const id of ['batches', 'dataset-drift', 'feature-drift', 'concept-drift'])
        expect(verifyCheck(skipped.result, id).status, id).toBe('fail');
      expect(verifyCheck(skipped.result, 'dataset-drift').hint).toMatch(/--drift-mode/);
    }, 90_000);
  },
);
