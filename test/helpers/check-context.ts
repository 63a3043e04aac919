// A CheckContext on this machine for check-module tests: a LocalTarget, a fresh temp folder as the
// work and current folder, and `sh` running there as the engine's lab shell would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckContext } from '../../src/checks/types.js';
import { LocalTarget } from '../../src/targets/local.js';

const madeDirs: string[] = [];

/** A CheckContext on the local target; fields in `overrides` replace the defaults. */
export function makeCheckContext(overrides: Partial<CheckContext> = {}): CheckContext {
  const target = overrides.target ?? new LocalTarget();
  let workDir = overrides.workDir;
  if (workDir === undefined) {
    workDir = mkdtempSync(join(tmpdir(), 'ailab-check-'));
    madeDirs.push(workDir);
  }
  const cwd = overrides.cwd ?? workDir;
  const signal = overrides.signal ?? new AbortController().signal;
  return {
    target,
    workDir,
    cwd,
    signal,
    facts: {},
    sh: (command, options) => target.exec(command, { cwd, signal, ...options }),
    ...overrides,
  };
}

/** Remove the temp folders that makeCheckContext made (call in afterAll). */
export function removeCheckContexts(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
