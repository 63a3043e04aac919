// What several reporters ask of RunResults: every check with where it sits, counts, hosts and fleets.
import type { CheckResult, RunResult } from '../engine/result.js';

export type Status = 'pass' | 'fail' | 'error' | 'skip';

export interface PlacedCheck {
  /** The step's id, or `verify` for the graded checks. */
  scope: string;
  check: CheckResult;
}

/** Every check of a run, in order: each step's `expect` checks, then the graded verify checks. */
export function allChecks(result: RunResult): PlacedCheck[] {
  return [
    ...result.steps.flatMap((step) => step.checks.map((check) => ({ scope: step.id, check }))),
    ...result.verify.map((check) => ({ scope: 'verify', check })),
  ];
}

export function isBad(status: Status): boolean {
  return status === 'fail' || status === 'error';
}

export interface Tally {
  pass: number;
  fail: number;
  error: number;
  skip: number;
  total: number;
}

/** Counts of steps and checks (step checks and verify checks together) by status. */
export function tally(items: { status: Status }[]): Tally {
  const t: Tally = { pass: 0, fail: 0, error: 0, skip: 0, total: items.length };
  for (const item of items) t[item.status]++;
  return t;
}

export type Verdict = 'PASS' | 'FAIL' | 'ERROR' | 'INTERRUPTED';

export function verdict(result: RunResult): Verdict {
  if (result.status === 'passed') return 'PASS';
  if (result.status === 'interrupted') return 'INTERRUPTED';
  return result.status === 'error' ? 'ERROR' : 'FAIL';
}

/** `17/20 (85%)`, or `—` when nothing was graded. */
export function scoreText(result: RunResult): string {
  const { score } = result;
  if (result.verify.length === 0) return '—';
  return `${score.earned}/${score.possible} (${score.percent}%)`;
}

/** A short host name from a target URI: `local` → `localhost`, `ssh://ci@gpu-1:2222` → `gpu-1:2222` (no `:22`). */
export function hostName(uri: string): string {
  if (uri === 'local') return 'localhost';
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/?#]+)(\/[^?#]*)?/i.exec(uri);
  if (!match) return uri;
  if (uri.startsWith('k8s://') && match[2]) return `${match[1]}${match[2]}`;
  return uri.startsWith('ssh://') ? match[1].replace(/:22$/, '') : match[1];
}

/** The host of a run: its name in a --hosts inventory, else the short host name of its target URI. */
export function hostOf(result: RunResult): string {
  return result.target.name ?? hostName(result.target.uri);
}

/** A host name fit for a JUnit class name or an HTML id: letters, digits, `-` and `_` only. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || '_';
}

export interface LabGroup {
  labId: string;
  results: RunResult[];
  /** Several targets ran this lab (a fleet): hosts must be told apart. */
  fleet: boolean;
}

/** Results grouped by lab, in first-seen order; a group with several target URIs is a fleet. */
export function groupByLab(results: RunResult[]): LabGroup[] {
  const groups = new Map<string, RunResult[]>();
  for (const result of results) {
    const list = groups.get(result.lab.id) ?? [];
    list.push(result);
    groups.set(result.lab.id, list);
  }
  return [...groups].map(([labId, list]) => ({
    labId,
    results: list,
    fleet: new Set(list.map((r) => r.target.uri)).size > 1,
  }));
}

/** The wall-clock span of several runs (they may have run at the same time), in ms. */
export function spanMs(results: RunResult[]): number {
  if (results.length === 0) return 0;
  const start = Math.min(...results.map((r) => Date.parse(r.startedAt)));
  const end = Math.max(...results.map((r) => Date.parse(r.finishedAt)));
  return Number.isFinite(start) && Number.isFinite(end) && end >= start
    ? end - start
    : results.reduce((sum, r) => sum + r.durationMs, 0);
}

/** One line per assertion that did not hold (`stdout: expected contains "x", got "y"`), less the check's message. */
export function failedAssertions(check: CheckResult): string[] {
  return (check.assertions ?? [])
    .filter((a) => !a.ok)
    .map((a) => a.message ?? `${a.name}: expected ${a.expected}, got ${a.actual}`)
    .filter((line) => line !== check.message);
}
