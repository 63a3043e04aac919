// Grading: the score from the verify checks, the run's status, and the one-line reason for it.
import type { Lab } from '../spec/types.js';
import type { CheckResult, RunResult, RunStatus, StepResult } from './result.js';

export function grade(lab: Lab, verify: CheckResult[]): RunResult['score'] {
  const counted = verify.filter((c) => c.status !== 'skip');
  const possible = counted.filter((c) => !c.bonus).reduce((sum, c) => sum + c.points, 0);
  // Partial credit is in hundredths: round the sum too, or 0.1 + 0.2 shows as 0.30000000000000004.
  const earned = Math.round(counted.reduce((sum, c) => sum + c.earned, 0) * 100) / 100;
  const percent = possible > 0 ? Math.round((earned / possible) * 1000) / 10 : verify.length > 0 ? 100 : 100;
  const requiredFailed = verify.some((c) => c.required && c.status !== 'pass' && c.status !== 'skip');
  return {
    earned,
    possible,
    percent,
    threshold: lab.passThreshold,
    passed: percent >= lab.passThreshold && !requiredFailed,
  };
}

export function decideStatus(input: {
  signal: AbortSignal;
  preflightFailed: boolean;
  steps: StepResult[];
  lab: Lab;
  score: RunResult['score'];
}): RunStatus {
  if (input.signal.aborted) return 'interrupted';
  if (input.preflightFailed) return 'error';
  const stepFailed = input.steps.some((result) => {
    const step = input.lab.steps.find((s) => s.id === result.id);
    const bad =
      result.status === 'fail' ||
      result.status === 'error' ||
      result.checks.some((c) => c.status === 'fail' || c.status === 'error');
    return bad && !step?.continueOnError;
  });
  return stepFailed || !input.score.passed ? 'failed' : 'passed';
}

export function summarize(
  status: RunStatus,
  stopReason: string | undefined,
  score: RunResult['score'],
  verify: CheckResult[],
): string {
  if (status === 'interrupted') return 'interrupted: cleanup ran';
  if (stopReason) return stopReason;
  if (verify.length === 0) return status === 'passed' ? 'every step passed' : 'a step failed';
  const requiredFailed = verify.filter((c) => c.required && c.status !== 'pass' && c.status !== 'skip');
  if (requiredFailed.length > 0) return `required check "${requiredFailed[0].title}" did not pass`;
  return `score ${score.earned}/${score.possible} (${score.percent}%), ${score.passed ? 'at or above' : 'below'} the ${score.threshold}% pass mark`;
}
