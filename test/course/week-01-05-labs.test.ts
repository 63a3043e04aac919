// The week 1-5 lab specs through the real CLI — `ailab lint`, `ailab show`, `ailab run --dry-run` for
// every path a learner can choose — and the rules every course lab follows: course metadata,
// requirements, a cleanup, graded checks with hints, and a question before anything costly.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLab } from '../../src/engine/run-lab.js';
import { resolveValues } from '../../src/engine/values.js';
import { loadLab } from '../../src/spec/load.js';
import type { Lab } from '../../src/spec/types.js';
import { LocalTarget } from '../../src/targets/local.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import { ailab, ensureBundle, ROOT } from './fixtures-w01-05/ailab-cli.js';

const IDS = ['week-01', 'week-02', 'week-03', 'week-04', 'week-05'];
const files = IDS.map((id) => join(ROOT, 'labs', `${id}.yaml`));
const labs: Lab[] = await Promise.all(files.map((file) => loadLab(file)));

// Commands that start paid resources, change the machine or take long: the terminal must ask first.
const ASK_FIRST =
  /aws ec2 run-instances|gcloud compute instances create|az vm create|apt-get -y upgrade|ubuntu-drivers autoinstall|sudo reboot|ufw --force enable|minikube start|docker build|nvidia-ctk runtime configure/;

beforeAll(ensureBundle);

describe('the CLI reads the week 1-5 labs', () => {
  it('ailab lint passes them', async () => {
    const lint = await ailab(['lint', ...files]);
    expect(lint.stderr).toBe('');
    expect(lint.code).toBe(0);
    expect(lint.stdout.trim()).toBe('5 labs OK');
  });

  it.each(IDS)('ailab show %s prints every step, the graded checks and the cleanup', async (id) => {
    const lab = labs[IDS.indexOf(id)];
    const show = await ailab(['show', id]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`${id} — ${lab.title}`);
    expect(show.stdout).toContain(`Goal: ${lab.goal}`);
    for (const step of lab.steps) expect(show.stdout).toContain(step.title);
    expect(show.stdout).toContain('Verify (graded)');
    expect(show.stdout).toContain('Cleanup (always runs)');
  });

  // One dry run per option of every choice (the other choices at their defaults).
  const dryRuns = labs.flatMap((lab) => [
    [lab.id, ''] as const,
    ...Object.values(lab.choices).flatMap((c) =>
      c.options.map((o) => [lab.id, `${c.name}=${o.value}`] as const),
    ),
  ]);

  it.each(dryRuns)('ailab run %s --dry-run %s prints the plan and runs nothing', async (id, set) => {
    const run = await ailab(['run', id, '--dry-run', ...(set ? ['--set', set] : [])]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('(dry run: nothing was run)');
    // Every var and choice is filled in; only ailab's own values (work folder, run id) wait for the run.
    expect(run.stdout.replace(/\$\{\{ (workdir|run_id) \}\}/g, '')).not.toMatch(/\$\{\{/);
  });
});

describe.each(labs.map((lab) => [lab.id, lab] as const))('%s follows the course lab rules', (id, lab) => {
  const text = readFileSync(lab.file, 'utf8');

  it('has the course metadata and says what CI proves and what it fixed', () => {
    expect(lab.week).toBe(Number(id.slice(5)));
    expect(lab.goal).toBeTruthy();
    expect(lab.durationMs).toBeGreaterThan(0);
    expect(lab.cost).toBeTruthy();
    expect(lab.requires.notes.length).toBeGreaterThan(0);
    expect(text.startsWith('# yaml-language-server: $schema=../schema/lab.schema.json\n')).toBe(true);
    const proof = /^# Proven in CI \((test\/course\/week-0\d[\w-]*\.test\.ts)\)/m.exec(text)?.[1];
    expect(proof && existsSync(join(ROOT, proof)), proof).toBe(true);
    expect(text).toMatch(/^# Fixed from the course/m);
  });

  it('grades itself: verify checks with points, hints where they help, and a cleanup', () => {
    expect(lab.verify.length).toBeGreaterThanOrEqual(5);
    expect(lab.verify.every((c) => c.points > 0)).toBe(true);
    expect(lab.verify.filter((c) => c.hint).length).toBeGreaterThanOrEqual(3);
    expect(lab.cleanup.length).toBeGreaterThan(0);
  });

  it('asks before every costly, long or system-changing step', () => {
    const unasked = lab.steps.filter((s) => ASK_FIRST.test(s.run ?? '') && !s.confirm).map((s) => s.id);
    expect(unasked).toEqual([]);
  });

  it('checks what the manual steps ask for, where it can be checked', () => {
    const manual = lab.steps.filter((s) => s.kind === 'manual');
    const unchecked = manual.filter((s) => s.expect.length === 0).map((s) => s.id);
    // Only the billing reminder of week 3 has nothing a command can see.
    expect(unchecked).toEqual(id === 'week-03' ? ['billing'] : []);
  });
});

describe('a learner at a terminal reads the run values in questions and instructions', () => {
  afterAll(removeTempDirs);

  it('fills the vars into a confirm question and into a manual step', async () => {
    const lab = labs[IDS.indexOf('week-05')];
    const { values } = await resolveValues(lab, { sets: ['port=18099', 'cpus=6'] });
    const asked: string[] = [];
    const shown: string[] = [];
    await runLab(
      // Only the two steps, with nothing required of this machine: the texts are what is tested.
      {
        ...lab,
        requires: {
          ...lab.requires,
          commands: [],
          cpus: undefined,
          memoryBytes: undefined,
          diskBytes: undefined,
          pythonModules: [],
        },
        verify: [],
        cleanup: [],
      },
      {
        target: new LocalTarget(),
        mode: 'run',
        values,
        only: ['start', 'browser'],
        workDir: makeTempDir('ailab-w05-texts-'),
        signal: new AbortController().signal,
        version: 'test',
        confirm: async (question) => {
          asked.push(question);
          return false;
        },
        waitForManual: async (step) => {
          shown.push(step.manual ?? '');
        },
      },
    );
    expect(asked).toEqual(['Start minikube with 6 CPUs and 4096 MB? The first start downloads about 1 GB.']);
    expect(shown[0]).toContain('Open http://127.0.0.1:18099/docs');
  });
});
