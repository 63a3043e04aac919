// The RunResult: one plain object per run, the JSON report's shape (docs/report-format.md).
// Bump REPORT_SCHEMA_VERSION on any change a consumer could notice.
import type { Assertion, CheckStatus } from '../checks/types.js';

export const REPORT_SCHEMA_VERSION = 1;

export type RunStatus = 'passed' | 'failed' | 'error' | 'interrupted';

export interface CheckResult {
  id: string;
  title: string;
  type: string;
  status: CheckStatus;
  message: string;
  expected?: string;
  observed?: string;
  assertions?: Assertion[];
  details?: string;
  hint?: string;
  points: number;
  earned: number;
  required: boolean;
  bonus: boolean;
  attempts: number;
  durationMs: number;
}

export interface StepResult {
  id: string;
  title: string;
  kind: string;
  status: CheckStatus;
  message: string;
  exitCode?: number | null;
  attempts: number;
  durationMs: number;
  startedAt?: string;
  /** The last lines of the step's output (secrets redacted). */
  outputTail?: string;
  checks: CheckResult[];
}

export interface CleanupResult {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'error' | 'skip';
  message: string;
  durationMs: number;
}

export interface PreflightItem {
  requirement: string;
  ok: boolean;
  observed: string;
}

export interface RunResult {
  schemaVersion: number;
  tool: { name: 'ailab'; version: string };
  runId: string;
  mode: 'run' | 'verify';
  lab: { id: string; title: string; week?: number; file: string };
  target: {
    uri: string;
    kind: string;
    /** The host's name in a --hosts inventory (fleet runs). */
    name?: string;
    /** What happened to the connection during the run: lost at …, reconnected after … (SSH). */
    notes?: string[];
  };
  workDir?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  status: RunStatus;
  /** Why the run ended as it did, in one line. */
  message: string;
  score: { earned: number; possible: number; percent: number; threshold: number; passed: boolean };
  vars: Record<string, string>;
  preflight: PreflightItem[];
  steps: StepResult[];
  verify: CheckResult[];
  cleanup: CleanupResult[];
  /** The cloud host launched for the run by the lab's `provision` block (src/provision/for-lab.ts). */
  provisioned?: {
    cloud: string;
    name: string;
    instanceId?: string;
    region: string;
    /** False with --keep (or when terminating failed): then it ends itself at expiresAt. */
    terminated: boolean;
    expiresAt?: string;
  };
  /** Estimated cost of that host for the run: price table × time from launch to termination. */
  cost?: { estimatedUsd: number; hourlyUsd: number; instanceType: string; cloud: string; spot: boolean };
}
