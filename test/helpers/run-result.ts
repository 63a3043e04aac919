// Reading a RunResult in tests: a step or verify check by id (a missing one throws, naming it), and
// what failed, one line each with a failing step's output tail, for an assertion's message.
import type { CheckResult, RunResult, StepResult } from '../../src/engine/result.js';

export function stepResult(r: RunResult, id: string): StepResult {
  const found = r.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

export function verifyResult(r: RunResult, id: string): CheckResult {
  const found = r.verify.find((c) => c.id === id);
  if (!found) throw new Error(`no verify check ${id}`);
  return found;
}

export function failureLines(r: RunResult): string {
  return [
    ...r.steps
      .filter((s) => s.status === 'fail' || s.status === 'error')
      .map((s) => `${s.id}: ${s.message}\n${s.outputTail ?? ''}`),
    ...r.verify
      .filter((c) => c.status === 'fail' || c.status === 'error')
      .map((c) => `${c.id}: ${c.message}`),
  ].join('\n');
}
