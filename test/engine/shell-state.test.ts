// Steps share shell state as a learner's terminal does (cd, export, plain variables, functions,
// `source`); a step's `cwd:` and `env:` hold for that step only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSampleLab } from '../helpers/run-sample-lab.js';
import { removeTempDirs } from '../helpers/temp-dirs.js';

afterEach(removeTempDirs);

describe('shell state across steps', () => {
  it('keeps cd, export, variables, functions and sourced PATH; forgets a step cwd and env', async () => {
    const { result, workDir } = await runSampleLab('shell-state');
    const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));

    expect(result.steps.map((s) => [s.id, s.status])).toEqual([
      ['setup', 'pass'],
      ['see', 'pass'],
      ['elsewhere', 'pass'],
      ['after', 'pass'],
    ]);
    expect(byId.see.outputTail!.split('\n')).toEqual([
      'dir=sub',
      'foo=bar',
      'plain=hidden',
      // A plain (not exported) variable stays in the shell, as in a terminal: a child does not see it.
      'child=[]',
      'greet=hello world',
      'tool=mytool-ran',
      'sourced=yes',
    ]);
    // Checks run in the same state: the lab's current folder, its variables and functions.
    expect(byId.see.checks.map((c) => [c.id, c.status])).toEqual([
      ['check-sees-state', 'pass'],
      ['relative-file', 'pass'],
    ]);
    expect(byId.see.checks[1].message).toContain(join(workDir, 'sub', 'env.sh'));

    expect(byId.elsewhere.outputTail).toBe('dir=other step_only=one foo=overridden');
    // After a cwd: step (which even ran `cd /`), the lab is still in sub; the step's env is gone.
    expect(byId.after.outputTail).toBe('dir=sub step_only=[] foo=bar');
    expect(readFileSync(join(workDir, 'sub', 'env.sh'), 'utf8')).toContain(join(workDir, 'sub', 'bin'));
  });
});
