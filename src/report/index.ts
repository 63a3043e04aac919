// Reporter registry: `--report <format>[:<file>]`. A reporter is a pure function of the results.
import type { RunResult } from '../engine/result.js';
import { UsageError } from '../errors.js';

type Render = (results: RunResult[]) => string;

const reporters: Record<string, () => Promise<Render>> = {
  json: async () => (await import('./json.js')).renderJson,
  text: async () => (await import('./text.js')).renderText,
  junit: async () => (await import('./junit.js')).renderJunit,
  md: async () => (await import('./markdown.js')).renderMarkdown,
  html: async () => (await import('./html/index.js')).renderHtml,
  tap: async () => (await import('./tap.js')).renderTap,
};

export const reportFormats = Object.keys(reporters);

export interface ReportRequest {
  format: string;
  /** Absent: standard output. */
  file?: string;
}

export function parseReportFlag(flag: string): ReportRequest {
  const colon = flag.indexOf(':');
  const format = colon < 0 ? flag : flag.slice(0, colon);
  const file = colon < 0 ? undefined : flag.slice(colon + 1);
  if (!(format in reporters)) {
    throw new UsageError(
      `--report ${flag}: unknown format "${format}"`,
      `formats: ${reportFormats.join(', ')}`,
    );
  }
  if (file === '') throw new UsageError(`--report ${flag}: a file name must follow the colon`);
  return { format, file };
}

export async function renderReport(format: string, results: RunResult[]): Promise<string> {
  return (await reporters[format]())(results);
}
