// Weeks 11–30 through the real CLI: each lab lints clean, `ailab show` reads it, and
// `ailab run --dry-run` prints its plan with the course's title and every step (a required var with no
// default, such as week 18's secrets, given with --set); each says at its top which test proves it, and
// that test exists.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLab } from '../../src/spec/load.js';
import { ensureBuilt } from '../helpers/cli.js';
import { ailab, ROOT } from './fixtures-w06-10/ailab-cli.js';

const LABS = Array.from({ length: 20 }, (_, i) => `week-${i + 11}`);

beforeAll(ensureBuilt, 120_000);

/** --set for each required var without a default: a value long enough for a secret's pattern. */
async function requiredSets(id: string): Promise<string[]> {
  const lab = await loadLab(join(ROOT, 'labs', `${id}.yaml`));
  return Object.values(lab.vars)
    .filter((v) => v.required && v.default === undefined)
    .flatMap((v) => ['--set', `${v.name}=Dry-Run-Value-${v.name}-0123456789`]);
}

describe('weeks 11–30 in the CLI', () => {
  it('lint passes', async () => {
    const out = await ailab(['lint', ...LABS.map((id) => `labs/${id}.yaml`)]);
    expect(out.stderr + out.stdout).toContain('20 labs OK');
    expect(out.code).toBe(0);
  });

  it.each(LABS)('%s: show and run --dry-run print every step', async (id) => {
    const lab = await loadLab(join(ROOT, 'labs', `${id}.yaml`));
    const show = await ailab(['show', id]);
    const plan = await ailab(['run', id, '--dry-run', ...(await requiredSets(id))]);
    for (const out of [show, plan]) {
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(`${id} — ${lab.title}`);
      for (const step of lab.steps) expect(out.stdout).toContain(step.title);
    }
    expect(plan.stdout).toContain('(dry run: nothing was run)');
  });

  it.each(LABS)('%s: is the course’s week and names the test that proves it', async (id) => {
    const lab = await loadLab(join(ROOT, 'labs', `${id}.yaml`));
    expect(lab.week).toBe(Number(id.slice(5)));
    const text = readFileSync(join(ROOT, 'labs', `${id}.yaml`), 'utf8');
    const named = [...text.matchAll(/test\/course\/(week-\d\d-[a-z0-9-]+\.test\.ts)/g)].map((m) => m[1]);
    expect(named.length, `${id} names no test/course/week-NN-*.test.ts`).toBeGreaterThan(0);
    for (const file of named) expect(existsSync(join(ROOT, 'test', 'course', file)), file).toBe(true);
  });
});
