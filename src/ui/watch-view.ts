// The live checklist of `ailab verify --watch`. On a TTY one frame, redrawn in place as each check
// finishes, so checks turn green while the learner works; elsewhere (a pipe, CI) plain lines that say
// only what changed from one round to the next.
import type { EngineEvent } from '../engine/events.js';
import type { CheckResult, RunResult } from '../engine/result.js';
import type { RoundReason } from '../engine/watch.js';
import type { Paint } from '../report/paint.js';
import { renderCheckLine, renderSummary } from '../report/text.js';
import { formatDuration } from '../util/duration.js';

export interface WatchViewOptions {
  stream: NodeJS.WriteStream;
  paint: Paint;
  /** Redraw in place (a TTY, not CI). */
  interactive: boolean;
  labId: string;
  labTitle: string;
  intervalMs: number;
  /** Files are watched too (a local target). */
  watchingFiles: boolean;
  /** The clock for "last checked" (tests pass a fixed one). */
  now?: () => Date;
}

export interface FrameState {
  round: number;
  running: boolean;
  /** The latest result of each check, by id, in lab order. */
  checks: CheckResult[];
  /** The check now running. */
  current?: string;
  last?: RunResult;
  checkedAt?: Date;
}

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

/** The lines of one frame of the checklist (pure). */
export function renderWatchFrame(state: FrameState, options: WatchViewOptions): string[] {
  const { paint } = options;
  const every = `every ${formatDuration(options.intervalMs)}${options.watchingFiles ? ' and on file changes' : ''}`;
  const lines = [
    `${paint.bold(`Watching ${options.labId} — ${options.labTitle}`)} ${paint.dim(`(round ${state.round}, ${every}; Ctrl-C to stop)`)}`,
  ];
  const missing = state.last?.preflight.filter((p) => !p.ok) ?? [];
  if (missing.length > 0) {
    lines.push(paint.red('Preflight: this machine lacks'));
    for (const m of missing)
      lines.push(`  ${paint.red('✖')} ${m.requirement} ${paint.dim(`(${m.observed})`)}`);
  }
  for (const check of state.checks) {
    if (state.running && check.id === state.current) {
      lines.push(`  ${paint.yellow('…')} ${check.title} ${paint.dim('(checking)')}`);
    } else {
      lines.push(...renderCheckLine(check, paint));
    }
  }
  if (state.last) {
    lines.push(renderSummary(state.last, paint)[0]);
  }
  const status = state.running
    ? paint.dim('checking…')
    : state.checkedAt
      ? paint.dim(`last checked ${clock(state.checkedAt)}`)
      : '';
  if (status) lines.push(status);
  return lines;
}

/** Rows a line takes on a terminal `columns` wide (a long line wraps). */
function rows(line: string, columns: number): number {
  const width = [...line.replace(ANSI, '')].length;
  return Math.max(1, Math.ceil(width / Math.max(1, columns)));
}

export function createWatchView(options: WatchViewOptions): {
  roundStart(round: number, reason: RoundReason): void;
  onEvent(event: EngineEvent): void;
  roundEnd(result: RunResult, round: number): void;
  close(): void;
} {
  const { stream, paint } = options;
  const now = options.now ?? (() => new Date());
  const state: FrameState = { round: 0, running: false, checks: [] };
  let drawnRows = 0;

  const draw = () => {
    const lines = renderWatchFrame(state, options);
    const columns = stream.columns || 80;
    let out = drawnRows > 0 ? `\u001b[${drawnRows}F\u001b[0J` : '';
    out += lines.map((l) => `${l}\n`).join('');
    stream.write(out);
    drawnRows = lines.reduce((sum, l) => sum + rows(l, columns), 0);
  };

  const upsert = (result: CheckResult) => {
    const i = state.checks.findIndex((c) => c.id === result.id);
    if (i >= 0) state.checks[i] = result;
    else state.checks.push(result);
  };

  // Plain mode: what changed since the last round, one line each.
  let previous = new Map<string, CheckResult['status']>();
  let previousVerdict = '';
  const printChanges = (result: RunResult, round: number) => {
    const stamp = paint.dim(`[${clock(now())} round ${round}]`);
    const lines: string[] = [];
    if (round === 1 || previous.size === 0) {
      lines.push(paint.bold(`Watching ${options.labId} — ${options.labTitle}`));
      for (const m of result.preflight.filter((p) => !p.ok))
        lines.push(`  ${paint.red('✖')} requires ${m.requirement} (${m.observed})`);
      for (const check of result.verify) lines.push(...renderCheckLine(check, paint));
    } else {
      for (const check of result.verify) {
        const before = previous.get(check.id);
        if (before === check.status) continue;
        const [first, ...rest] = renderCheckLine(check, paint);
        lines.push(`${first}${before ? paint.dim(` (was ${before})`) : ''}`, ...rest);
      }
    }
    const verdict = renderSummary(result, paint)[0];
    if (lines.length > 0 || verdict !== previousVerdict) {
      stream.write(`${stamp}\n${lines.map((l) => `${l}\n`).join('')}${verdict}\n`);
    }
    previous = new Map(result.verify.map((c) => [c.id, c.status]));
    previousVerdict = verdict;
  };

  return {
    roundStart(round) {
      state.round = round;
      state.running = true;
      if (options.interactive) draw();
    },
    onEvent(event) {
      if (!options.interactive) return;
      if (event.type === 'check-start') {
        state.current = event.id;
        if (!state.checks.some((c) => c.id === event.id)) {
          upsert({
            id: event.id,
            title: event.title,
            type: '',
            status: 'skip',
            message: '',
            points: 0,
            earned: 0,
            required: false,
            bonus: false,
            attempts: 0,
            durationMs: 0,
          });
        }
        draw();
      } else if (event.type === 'check-end') {
        upsert(event.result);
        state.current = undefined;
        draw();
      }
    },
    roundEnd(result, round) {
      state.running = false;
      state.current = undefined;
      state.last = result;
      state.checks = [...result.verify];
      state.checkedAt = now();
      if (options.interactive) draw();
      else printChanges(result, round);
    },
    close() {
      // The last frame stays on the screen; the final summary follows it.
    },
  };
}
