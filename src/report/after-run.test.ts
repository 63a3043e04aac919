import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../../test/helpers/temp-dirs.js';
import { fixtures } from '../../test/report/fixtures.js';
import { afterRun } from './after-run.js';

afterEach(removeTempDirs);

function streams() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => {
    stdout += c;
  });
  err.on('data', (c) => {
    stderr += c;
  });
  return { out, err, text: () => ({ stdout, stderr }) };
}

describe('afterRun', () => {
  it('keeps the run in the history (AILAB_STATE_DIR) and does nothing else outside GitHub Actions', async () => {
    const state = makeTempDir('ailab-after-');
    const s = streams();
    await afterRun(fixtures.mixed, { env: { AILAB_STATE_DIR: state }, stdout: s.out, stderr: s.err });
    expect(s.text()).toEqual({ stdout: '', stderr: '' });
    expect(readdirSync(join(state, 'runs'))).toEqual(['20261127T143000Z-abc123.json']);
    await afterRun(fixtures.mixed, { env: { AILAB_STATE_DIR: join(state, 'off'), AILAB_NO_HISTORY: '1' } });
    expect(() => readdirSync(join(state, 'off'))).toThrow(/ENOENT/);
  });

  it('in GitHub Actions appends the job summary and prints annotations (to stderr with --json)', async () => {
    const dir = makeTempDir('ailab-after-gh-');
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, 'before\n');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, AILAB_NO_HISTORY: '1' };
    const s = streams();
    await afterRun(fixtures.mixed, { env, stdout: s.out, stderr: s.err });
    expect(s.text().stdout).toMatch(/^::error title=ailab week-04 › write%3A/);
    expect(s.text().stderr).toBe('');
    const json = streams();
    await afterRun(fixtures.mixed, { env, json: true, stdout: json.out, stderr: json.err });
    expect(json.text().stdout).toBe('');
    expect(json.text().stderr).toMatch(/^::error /);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('before\n## ❌ ailab: week-04 — FAIL')).toBe(true);
    expect(text.split('## ❌ ailab: week-04').length).toBe(3);
  });

  it('warns and goes on when the job summary cannot be written', async () => {
    const s = streams();
    await afterRun(fixtures.mixed, {
      env: { GITHUB_STEP_SUMMARY: '/nonexistent-dir/summary.md', AILAB_NO_HISTORY: '1' },
      stdout: s.out,
      stderr: s.err,
    });
    expect(s.text().stderr).toMatch(/^ailab: warning: could not write the GitHub job summary: ENOENT/);
  });
});
