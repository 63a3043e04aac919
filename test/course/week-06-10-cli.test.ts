// Weeks 6–10 through the real CLI: each lab lints clean, `ailab show` reads it, and
// `ailab run --dry-run` prints its plan, with the course's title and every step; each says at its top
// what CI proves of it. Where the course text is at hand (../shared/course), the titles are checked
// against it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/spec/load.js';
import { ailab, bundleBuilt, ROOT } from './fixtures-w06-10/ailab-cli.js';

const LABS = ['week-06', 'week-07', 'week-08', 'week-09', 'week-10'];
const COURSE = join(ROOT, '..', 'shared', 'course', '000_55112b967feece61.txt');

describe.skipIf(!bundleBuilt())('weeks 6–10 in the CLI', () => {
  it('lint passes', async () => {
    const out = await ailab(['lint', ...LABS.map((id) => `labs/${id}.yaml`)]);
    expect(out.stderr + out.stdout).toContain('5 labs OK');
    expect(out.code).toBe(0);
  });

  it.each(LABS)('%s: show and run --dry-run print every step', async (id) => {
    const lab = await loadLab(join(ROOT, 'labs', `${id}.yaml`));
    const show = await ailab(['show', id]);
    const plan = await ailab(['run', id, '--dry-run']);
    for (const out of [show, plan]) {
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(`${id} — ${lab.title}`);
      for (const step of lab.steps) expect(out.stdout).toContain(step.title);
    }
    expect(plan.stdout).toContain('(dry run: nothing was run)');
  });

  it.each(LABS)('%s: says what CI proves, and its title is the course’s', async (id) => {
    const text = readFileSync(join(ROOT, 'labs', `${id}.yaml`), 'utf8');
    expect(text).toMatch(/^# Proven in CI \(test\/course\/week-\d\d-[a-z0-9-]+\.test\.ts\)/m);
    const lab = await loadLab(join(ROOT, 'labs', `${id}.yaml`));
    expect(lab.week).toBe(Number(id.slice(5)));
    if (existsSync(COURSE)) {
      const title = lab.title.replace('Lab – ', '');
      expect(readFileSync(COURSE, 'utf8')).toMatch(
        new RegExp(`^### \\d+\\. \\d+\\. Lab .{1,8} ${title}$`, 'm'),
      );
    }
  });
});
