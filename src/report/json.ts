import type { RunResult } from '../engine/result.js';

/** The JSON report: the RunResult as is (docs/report-format.md describes each field). */
export function renderJson(results: RunResult[]): string {
  return `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`;
}
