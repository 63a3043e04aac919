// The check-module seam. A module knows nothing of retries, timeouts, points or reports:
// the engine wraps every check with those (src/engine/run-check.ts).
import { z } from 'zod';
import type { ExecOptions, ExecResult, Target } from '../targets/types.js';

export type CheckStatus = 'pass' | 'fail' | 'error' | 'skip';

/** One expectation inside a check (a check with several earns partial credit per assertion). */
export interface Assertion {
  name: string;
  ok: boolean;
  expected: string;
  actual: string;
  /** One line that leads with the reason, right whether it held or not. */
  message?: string;
}

export interface CheckOutcome {
  status: CheckStatus;
  /** One line that leads with the reason. */
  message: string;
  expected?: string;
  observed?: string;
  assertions?: Assertion[];
  /** Named values the check captured (regex named groups, timings), usable by later checks as `facts.name`. */
  facts?: Record<string, string | number>;
  /** Longer evidence (command output tail, response body) for reports. */
  details?: string;
}

export interface CheckContext {
  target: Target;
  /** The run's work folder on the target (templates are rendered there; relative paths resolve from it). */
  workDir: string;
  /** The lab shell's current folder (a `cd` in a step holds here); relative paths resolve from it. */
  cwd: string;
  /** Run a command in the lab's shell state (cwd, exported env, an activated venv, functions) without changing it. */
  sh(
    command: string,
    options?: Pick<ExecOptions, 'timeoutMs' | 'input' | 'maxOutputBytes'>,
  ): Promise<ExecResult>;
  signal: AbortSignal;
  /** Facts captured by earlier checks in this run. */
  facts: Record<string, string | number>;
}

export interface CheckModule<S extends z.ZodType = z.ZodType> {
  /** Equal to the file name, and the key that names the check in a lab spec. */
  type: string;
  summary: string;
  schema: S;
  run(ctx: CheckContext, options: z.output<S>): Promise<CheckOutcome>;
  /** Rules the schema cannot express (e.g. "exactly one of name or pattern"), reported by the loader and `ailab lint`. */
  lint?(options: z.output<S>): string[];
}

/** Define a check module with its options typed from its schema. */
export function defineCheck<S extends z.ZodType>(module: CheckModule<S>): CheckModule<S> {
  return module;
}

/** A `${{ var }}` placeholder, allowed where a number goes (`port: ${{ port }}`): the engine fills it in before `run`. */
export const placeholderSchema = z
  .string()
  .regex(/^\$\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/, 'a number or a ${{ var }} placeholder')
  .describe('A ${{ var }} placeholder that holds a number');
