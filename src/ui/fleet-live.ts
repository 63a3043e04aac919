// The live view of a fleet run: on a terminal, a host × status table redrawn in place (or one progress
// line when the table would not fit); elsewhere one plain line per host as it finishes.
import type { HostState } from '../engine/fleet.js';
import { isUnreachable } from '../report/fleet.js';
import type { Paint } from '../report/paint.js';

const REDRAW_MS = 100;

export interface FleetLiveOptions {
  stream: NodeJS.WriteStream;
  paint: Paint;
  interactive: boolean;
  total: number;
  /** What a row is, in the progress line (default `hosts`; `--parallel` says `labs`). */
  noun?: string;
}

function statusText(state: HostState, paint: Paint): string {
  const r = state.result;
  if (!r) {
    if (state.phase === 'queued') return paint.dim('queued');
    if (state.phase === 'connecting') return paint.yellow('connecting');
    return paint.yellow(state.detail || state.phase);
  }
  const score = r.verify.length > 0 ? ` ${r.score.earned}/${r.score.possible} (${r.score.percent}%)` : '';
  if (isUnreachable(r)) return paint.red(r.message);
  if (r.status === 'passed') return paint.green(`passed${score}`);
  if (r.status === 'interrupted') return paint.yellow('interrupted');
  return paint.red(`${r.status}${score}`);
}

export function createFleetLiveView(options: FleetLiveOptions): {
  onUpdate(state: HostState): void;
  close(): void;
} {
  const { stream, paint } = options;
  const states = new Map<string, HostState>();
  let done = 0;
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const rows = stream.rows ?? 24;
  const width = stream.columns ?? 100;
  const table = options.interactive && options.total + 2 <= rows;

  const draw = () => {
    timer = undefined;
    const lines: string[] = [];
    if (table) {
      const nameWidth = Math.max(4, ...[...states.values()].map((s) => s.job.name.length));
      for (const state of states.values()) {
        const line = `${state.job.name.padEnd(nameWidth)}  ${statusText(state, paint)}`;
        lines.push(line.length > width + 20 ? `${line.slice(0, width + 19)}…` : line);
      }
    }
    const running = [...states.values()].filter((s) => !s.result && s.phase !== 'queued').length;
    lines.push(paint.dim(`${done}/${options.total} ${options.noun ?? 'hosts'} done, ${running} running`));
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of lines) out += `\x1b[2K${line}\n`;
    stream.write(out);
    drawn = lines.length;
  };

  return {
    onUpdate(state) {
      states.set(state.job.name, state);
      if (state.result) done = [...states.values()].filter((s) => s.result).length;
      if (!options.interactive) {
        if (state.result)
          stream.write(`[${done}/${options.total}] ${state.job.name}  ${statusText(state, paint)}\n`);
        return;
      }
      timer ??= setTimeout(draw, REDRAW_MS);
    },
    close() {
      if (timer) clearTimeout(timer);
      if (options.interactive) draw();
    },
  };
}
