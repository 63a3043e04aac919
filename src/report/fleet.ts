// Fleet results (`--hosts`): the summary table of hosts with score and failures, and the JSON report
// `{schemaVersion, summary, hosts: RunResult[]}` (docs/report-format.md). Pure functions.
import type { RunResult } from '../engine/result.js';
import { REPORT_SCHEMA_VERSION } from '../engine/result.js';
import { formatDuration } from '../util/duration.js';
import { type Paint, plainPaint } from './paint.js';

export interface FleetHostSummary {
  name: string;
  target: string;
  status: RunResult['status'] | 'unreachable';
  score: RunResult['score'];
  /** Failing checks and steps, as `title: message`; or why the host could not be used. */
  failures: string[];
  durationMs: number;
}

export interface FleetSummary {
  lab: { id: string; title: string };
  mode: 'run' | 'verify';
  total: number;
  passed: number;
  failed: number;
  /** Hosts that could not be reached or logged in to. */
  unreachable: number;
  interrupted: number;
  /** Mean score of the hosts, in percent. */
  meanPercent: number;
  durationMs: number;
  hosts: FleetHostSummary[];
}

/** A result made for a host that could not be connected to (engine/fleet.ts): no work folder, and why. */
export function isUnreachable(result: RunResult): boolean {
  return (
    result.status === 'error' &&
    result.workDir === undefined &&
    /^(unreachable|cannot log in|host key refused): /.test(result.message)
  );
}

function failuresOf(result: RunResult): string[] {
  if (isUnreachable(result)) return [result.message];
  const out: string[] = [];
  for (const p of result.preflight.filter((p) => !p.ok))
    out.push(`preflight: ${p.requirement} (${p.observed})`);
  for (const step of result.steps) {
    if (step.status === 'fail' || step.status === 'error') out.push(`${step.title}: ${step.message}`);
    for (const c of step.checks)
      if (c.status === 'fail' || c.status === 'error') out.push(`${c.title}: ${c.message}`);
  }
  for (const c of result.verify)
    if (c.status === 'fail' || c.status === 'error') out.push(`${c.title}: ${c.message}`);
  return out;
}

export function summarizeFleet(results: RunResult[], durationMs: number): FleetSummary {
  // Rows are told apart by host; labs run on one target (`run --parallel`) by lab.
  const oneTarget = new Set(results.map((r) => r.target.uri)).size === 1 && results.length > 1;
  const hosts = results.map(
    (r): FleetHostSummary => ({
      name: r.target.name ?? (oneTarget ? r.lab.id : r.target.uri),
      target: r.target.uri,
      status: isUnreachable(r) ? 'unreachable' : r.status,
      score: r.score,
      failures: failuresOf(r),
      durationMs: r.durationMs,
    }),
  );
  const count = (status: FleetHostSummary['status']) => hosts.filter((h) => h.status === status).length;
  const mean = hosts.length ? hosts.reduce((sum, h) => sum + h.score.percent, 0) / hosts.length : 0;
  return {
    lab: { id: results[0]?.lab.id ?? '', title: results[0]?.lab.title ?? '' },
    mode: results[0]?.mode ?? 'verify',
    total: hosts.length,
    passed: count('passed'),
    failed: count('failed') + count('error'),
    unreachable: count('unreachable'),
    interrupted: count('interrupted'),
    meanPercent: Math.round(mean * 10) / 10,
    durationMs,
    hosts,
  };
}

/** The fleet JSON report: a summary and one RunResult per host. */
export function renderFleetJson(results: RunResult[], durationMs: number): string {
  return `${JSON.stringify({ schemaVersion: REPORT_SCHEMA_VERSION, summary: summarizeFleet(results, durationMs), hosts: results }, null, 2)}\n`;
}

function pad(text: string, width: number): string {
  // Terminal width of the text without colour codes.
  const visible = text.replace(/\x1b\[[0-9;]*m/g, '');
  return visible.length >= width ? text : text + ' '.repeat(width - visible.length);
}

/** The summary table: one row per host (host, status, score, failures), then the totals. */
export function renderFleetTable(
  summary: FleetSummary,
  paint: Paint = plainPaint,
  maxFailureChars = 80,
  /** What a row is: a host (`--hosts`) or a lab (`run --parallel`). */
  row: 'host' | 'lab' = 'host',
): string[] {
  const nameWidth = Math.max(4, ...summary.hosts.map((h) => h.name.length));
  const colour = (status: FleetHostSummary['status']) =>
    status === 'passed' ? paint.green : status === 'interrupted' ? paint.yellow : paint.red;
  const lines = [
    paint.bold(`${pad(row.toUpperCase(), nameWidth)}  ${pad('STATUS', 11)}  ${pad('SCORE', 14)}  FAILURES`),
  ];
  for (const h of summary.hosts) {
    const score =
      h.status === 'unreachable' ? '-' : `${h.score.earned}/${h.score.possible} (${h.score.percent}%)`;
    let failures = h.failures.length === 0 ? '' : h.failures[0];
    if (failures.length > maxFailureChars) failures = `${failures.slice(0, maxFailureChars - 1)}…`;
    if (h.failures.length > 1) failures += paint.dim(` (+${h.failures.length - 1} more)`);
    lines.push(
      `${pad(h.name, nameWidth)}  ${pad(colour(h.status)(h.status), 11)}  ${pad(score, 14)}  ${failures}`,
    );
  }
  const parts = [
    `${summary.passed} passed`,
    `${summary.failed} failed`,
    `${summary.unreachable} unreachable`,
  ];
  if (summary.interrupted > 0) parts.push(`${summary.interrupted} interrupted`);
  lines.push(
    `${summary.total} ${row}s: ${parts.join(', ')}; mean score ${summary.meanPercent}% (${formatDuration(summary.durationMs)})`,
  );
  return lines;
}
