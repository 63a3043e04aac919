// Processes on the target, found by name or by a regex on the command line, listed with ps through
// the target (so it works on remote hosts too).
import { z } from 'zod';
import {
  compileRegex,
  type MatchResult,
  matchValue,
  outcomeFromAssertions,
  valueMatcherSchema,
} from '../engine/match.js';
import { type CheckOutcome, defineCheck } from './types.js';

// Linux keeps 15 characters of a process name (TASK_COMM_LEN - 1).
const COMM_LEN = 15;
const SHOWN_PROCESSES = 5;

// Two ps listings, since a name (comm) may hold spaces and only the last column can be split safely.
const LIST_PROCESSES = 'echo "$$ $BASHPID"; ps -eo pid=,ppid=,comm=; echo ---; ps -eo pid=,args=';

const schema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .optional()
      .describe('The exact process name (comm), e.g. nginx or python3; give name or pattern, not both'),
    pattern: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A JavaScript regex on the full command line, e.g. "uvicorn .*:8000"; give name or pattern, not both',
      ),
    running: z
      .boolean()
      .optional()
      .describe('true: at least one matches; false: none does (default true, unless count is given)'),
    count: valueMatcherSchema.optional().describe('How many match, e.g. 2 or ">= 1"'),
  })
  .describe('Check that a process is (or is not) running, found by name or command-line pattern');

export interface ProcessRow {
  pid: number;
  ppid: number;
  comm: string;
  args: string;
}

/** Rows from LIST_PROCESSES output, without the probe's own shell and ps (pid or ppid is the probe's). */
export function parseProcessList(stdout: string): ProcessRow[] {
  const [head, ...rest] = stdout.split('\n');
  const probe = new Set(head.trim().split(/\s+/).map(Number));
  const split = rest.indexOf('---');
  const argsByPid = new Map<number, string>();
  for (const line of rest.slice(split + 1)) {
    const m = /^\s*(\d+)\s(.*)$/.exec(line);
    if (m) argsByPid.set(Number(m[1]), m[2].trim());
  }
  const rows: ProcessRow[] = [];
  for (const line of rest.slice(0, split)) {
    const m = /^\s*(\d+)\s+(\d+)\s(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const ppid = Number(m[2]);
    if (probe.has(pid) || probe.has(ppid)) continue;
    const comm = m[3].trim();
    rows.push({ pid, ppid, comm, args: argsByPid.get(pid) ?? comm });
  }
  return rows;
}

/** Whether a process is `name`: its comm, the comm's basename (BSD ps), or a comm Linux cut at 15. */
export function isNamed(row: ProcessRow, name: string): boolean {
  const comm = row.comm;
  if (comm === name || comm.slice(comm.lastIndexOf('/') + 1) === name) return true;
  return comm.length === COMM_LEN && name.length > COMM_LEN && name.startsWith(comm);
}

export const check = defineCheck({
  type: 'process',
  summary: 'Check that a process is or is not running (by name or command-line pattern), and how many',
  lint: (options) =>
    (options.name === undefined) === (options.pattern === undefined)
      ? ['give exactly one of name or pattern']
      : [],
  schema,
  async run(ctx, options): Promise<CheckOutcome> {
    if ((options.name === undefined) === (options.pattern === undefined)) {
      return { status: 'error', message: 'give exactly one of name or pattern' };
    }
    const result = await ctx.sh(LIST_PROCESSES);
    if (result.exitCode !== 0 || !result.stdout.includes('\n---\n')) {
      const why = result.stderr.trim().split('\n')[0] || `exit code ${result.exitCode}`;
      return { status: 'error', message: `could not list processes: ${why}` };
    }
    const regex = options.pattern === undefined ? undefined : compileRegex(options.pattern);
    const found = parseProcessList(result.stdout).filter((row) =>
      regex ? regex.test(row.args) : isNamed(row, options.name as string),
    );
    const what = options.name !== undefined ? `process ${options.name}` : `process /${options.pattern}/`;
    const listed = found.slice(0, SHOWN_PROCESSES).map((row) => `${row.pid} ${row.args}`);
    if (found.length > SHOWN_PROCESSES) listed.push(`… ${found.length - SHOWN_PROCESSES} more`);
    const actual = found.length === 0 ? 'none running' : `${found.length} running: ${listed.join('; ')}`;

    const assertions: MatchResult[] = [];
    const running = options.running ?? (options.count === undefined ? true : undefined);
    if (running !== undefined) {
      const ok = found.length > 0 === running;
      const expected = running ? 'running' : 'not running';
      const message = ok
        ? `${what} ${found.length > 0 ? 'running' : 'not running'}`
        : `${what} ${found.length > 0 ? 'running' : 'not running'}, expected ${expected}`;
      assertions.push({ name: what, ok, expected, actual, message });
    }
    if (options.count !== undefined) {
      const counted = matchValue(`${what} count`, options.count, found.length);
      assertions.push({ ...counted, actual });
    }
    const outcome = outcomeFromAssertions(assertions);
    if (found.length > 0) outcome.details = found.map((row) => `${row.pid} ${row.args}`).join('\n');
    return outcome;
  },
});
