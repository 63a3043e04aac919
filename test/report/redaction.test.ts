// Secrets planted in a real run's commands, outputs, errors and checks appear in no report format, in
// no GitHub annotation or job summary, and not in the history.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import { runLab } from '../../src/engine/run-lab.js';
import { resolveValues } from '../../src/engine/values.js';
import { afterRun } from '../../src/report/after-run.js';
import { renderAnnotations } from '../../src/report/github.js';
import { renderReport, reportFormats } from '../../src/report/index.js';
import { loadLab } from '../../src/spec/load.js';
import { LocalTarget } from '../../src/targets/local.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const SECRET = 'tok-Zq8wX1-planted-secret';
// Not vars: an env var whose name looks secret, and text shaped like credentials (redacted by default).
const ENV_SECRET = 'env-planted-9f8e7d6c';
const PLANTED = [
  SECRET,
  ENV_SECRET,
  'AKIAZQ3PLANTEDKEY123',
  'MIIEplantedPrivateKeyBody',
  'planted.jwt.value-123',
];
let result: RunResult;

beforeAll(async () => {
  process.env.PLANTED_SERVICE_TOKEN = ENV_SECRET;
  const lab = await loadLab(join(import.meta.dirname, 'labs', 'secrets-everywhere.yaml'));
  const { values, secrets } = await resolveValues(lab, { sets: [`token=${SECRET}`] });
  result = await runLab(lab, {
    target: new LocalTarget(),
    mode: 'run',
    values,
    secrets,
    workDir: makeTempDir('ailab-secrets-'),
    signal: new AbortController().signal,
    version: '0.0.0-test',
  });
}, 60_000);
afterAll(() => {
  delete process.env.PLANTED_SERVICE_TOKEN;
  return removeTempDirs();
});

describe('planted secrets', () => {
  it('the run really printed and failed with the secret (so the test means something)', () => {
    expect(result.steps.find((s) => s.id === 'fail-loudly')?.outputTail).toContain('failing with ***');
    expect(result.steps.find((s) => s.id === 'credentials')?.outputTail).toContain('env secret is ***');
    expect(result.verify.every((c) => c.status === 'fail')).toBe(true);
    expect(result.cleanup.some((c) => c.status !== 'pass')).toBe(true);
  });

  for (const format of reportFormats) {
    it(`never appear in the ${format} report`, async () => {
      const text = await renderReport(format, [result]);
      for (const planted of PLANTED) expect(text).not.toContain(planted);
      expect(text).toContain('***');
    });
  }

  it('never appear in GitHub annotations, the job summary or the history', async () => {
    for (const planted of PLANTED) expect(renderAnnotations([result])).not.toContain(planted);
    const dir = makeTempDir('ailab-secrets-after-');
    const summary = join(dir, 'summary.md');
    await afterRun([result], {
      env: { AILAB_STATE_DIR: dir, GITHUB_STEP_SUMMARY: summary },
    });
    const history = readFileSync(join(dir, 'runs', `${result.runId}.json`), 'utf8');
    for (const planted of PLANTED) {
      expect(readFileSync(summary, 'utf8')).not.toContain(planted);
      expect(history).not.toContain(planted);
    }
    expect(history).toContain('"token": "***"');
  });
});
