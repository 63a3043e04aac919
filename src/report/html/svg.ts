// Inline SVG charts for the HTML reports: a score gauge, a Gantt of step durations, horizontal bars.
// Bars are placed in percentages of the chart's width and text keeps its size, so a chart reads the same
// on a phone as on a desktop.
import { formatDuration } from '../../util/duration.js';
import { html } from '../escape.js';
import type { Status } from '../model.js';

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** A half-circle gauge: the score's arc, a tick at the pass mark, the percent and points in the middle. */
export function gauge(input: {
  percent: number;
  threshold: number;
  status: Status;
  label: string;
  sublabel?: string;
}): string {
  const shown = Math.max(0, Math.min(100, input.percent));
  const arc = 'M 20 110 A 90 90 0 0 1 200 110';
  // The tick at the pass mark: angle 180° (0%) to 0° (100%) around (110,110).
  const angle = Math.PI * (1 - Math.max(0, Math.min(100, input.threshold)) / 100);
  const x1 = round(110 + 76 * Math.cos(angle));
  const y1 = round(110 - 76 * Math.sin(angle));
  const x2 = round(110 + 104 * Math.cos(angle));
  const y2 = round(110 - 104 * Math.sin(angle));
  return `<svg viewBox="0 0 220 140" role="img" aria-label="${html(`Score ${input.label}, pass mark ${input.threshold}%`)}">
<path class="arc-track" d="${arc}" fill="none" stroke-width="18" pathLength="100"/>
<path class="arc-${input.status}" d="${arc}" fill="none" stroke-width="18" pathLength="100" stroke-dasharray="${round(shown)} 100"/>
<line class="tick" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke-width="2"><title>${html(`pass mark ${input.threshold}%`)}</title></line>
<text x="110" y="100" text-anchor="middle" style="font-size:30px;font-weight:700">${html(input.label)}</text>
${input.sublabel ? `<text class="muted" x="110" y="128" text-anchor="middle" style="font-size:13px">${html(input.sublabel)}</text>` : ''}
</svg>`;
}

export interface GanttRow {
  label: string;
  status: Status;
  /** Offset from the start of the run, ms; undefined: not run (no bar). */
  startMs?: number;
  durationMs: number;
  note?: string;
}

const ROW = 34;

/** A Gantt chart of rows over `totalMs`, with a time axis. */
export function gantt(rows: GanttRow[], totalMs: number): string {
  const total = Math.max(totalMs, 1, ...rows.map((r) => (r.startMs ?? 0) + r.durationMs));
  const pct = (ms: number) => round((Math.max(0, ms) / total) * 100, 3);
  const height = rows.length * ROW + 24;
  const parts: string[] = [];
  rows.forEach((row, i) => {
    const y = i * ROW;
    const time = row.startMs === undefined ? (row.note ?? 'not run') : formatDuration(row.durationMs);
    const anchorRight = row.startMs !== undefined && pct(row.startMs) > 60;
    parts.push(
      `<text x="${anchorRight ? '100%' : '0'}" y="${y + 13}"${anchorRight ? ' text-anchor="end"' : ''}>${html(row.label)} <tspan class="muted">${html(time)}</tspan></text>`,
    );
    if (row.startMs === undefined) {
      parts.push(`<rect class="track" x="0" y="${y + 18}" width="100%" height="10" rx="2" opacity="0.5"/>`);
    } else {
      const width = Math.max(pct(row.durationMs), 0.4);
      parts.push(
        `<rect class="${row.status}" x="${Math.min(pct(row.startMs), 100 - width)}%" y="${y + 18}" width="${width}%" height="10" rx="2"><title>${html(`${row.label}: ${row.status}, ${formatDuration(row.durationMs)}`)}</title></rect>`,
      );
    }
  });
  const axisY = rows.length * ROW + 4;
  parts.push(`<line class="axis" x1="0" y1="${axisY}" x2="100%" y2="${axisY}"/>`);
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    parts.push(
      `<text class="muted" x="${f * 100}%" y="${axisY + 16}" text-anchor="${anchor}">${html(formatDuration(total * f))}</text>`,
    );
  }
  return `<svg width="100%" height="${height}" role="img" aria-label="Timeline of ${rows.length} rows over ${html(formatDuration(total))}">${parts.join('')}</svg>`;
}

export interface Bar {
  label: string;
  value: number;
  /** The full length of the track (a peak); bars without one share the largest value as their scale. */
  max?: number;
  text: string;
  status: Status;
}

/** Horizontal bars on tracks: achieved value against a peak. */
export function bars(items: Bar[]): string {
  const fallback = Math.max(1, ...items.map((b) => b.value));
  const parts: string[] = [];
  items.forEach((bar, i) => {
    const y = i * 40;
    const max = bar.max && bar.max > 0 ? Math.max(bar.max, bar.value) : fallback;
    const width = round((bar.value / max) * 100, 3);
    parts.push(
      `<text x="0" y="${y + 13}">${html(bar.label)} <tspan class="muted">${html(bar.text)}</tspan></text>`,
      `<rect class="track" x="0" y="${y + 19}" width="100%" height="14" rx="3"/>`,
      `<rect class="${bar.status}" x="0" y="${y + 19}" width="${width}%" height="14" rx="3"><title>${html(`${bar.label}: ${bar.text}`)}</title></rect>`,
    );
  });
  return `<svg width="100%" height="${items.length * 40}" role="img" aria-label="${html(`${items.length} bars`)}">${parts.join('')}</svg>`;
}

/** A one-line strip of cells (the course's weeks), each coloured by status. */
export function strip(cells: { label: string; status: Status | 'none'; title: string }[]): string {
  const width = 100 / Math.max(cells.length, 1);
  const parts = cells.map((cell, i) => {
    const cls = cell.status === 'none' ? 'track' : cell.status;
    return `<rect class="${cls}" x="${round(i * width, 3)}%" y="0" width="${round(width * 0.88, 3)}%" height="22" rx="2"><title>${html(cell.title)}</title></rect>`;
  });
  return `<svg width="100%" height="22" role="img" aria-label="${html(`course progress, ${cells.length} weeks`)}">${parts.join('')}</svg>`;
}
