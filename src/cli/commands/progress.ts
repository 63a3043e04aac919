// `ailab progress`: the course from the run history, as text (default), JSON or an HTML page.
import { ExitCode } from '../../errors.js';
import { listRuns, runsDir } from '../../report/history.js';
import { computeProgress } from '../../report/progress.js';
import { writeReportFile } from '../../report/write.js';
import { listLabFiles } from '../../spec/locate.js';
import { summarizeLabs } from '../../spec/summary-cache.js';
import { packageVersion } from '../../util/package-root.js';
import { createPaint } from '../paint.js';

export interface ProgressOptions {
  html?: string;
  json?: boolean;
  color: boolean;
}

export async function progressCommand(opts: ProgressOptions): Promise<number> {
  const { runs, unreadable } = await listRuns();
  const summaries = await summarizeLabs(listLabFiles(), packageVersion());
  const labs = summaries.filter((s) => s.problems.length === 0);
  const progress = computeProgress(
    runs.map((r) => r.result),
    labs,
  );
  for (const file of unreadable) process.stderr.write(`ailab: warning: skipped ${file}: not a run report\n`);
  if (opts.html) {
    const { renderProgressHtml } = await import('../../report/html/progress.js');
    await writeReportFile(opts.html, renderProgressHtml(progress, { generatedAt: new Date().toISOString() }));
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(progress, null, 2)}\n`);
    return ExitCode.ok;
  }
  const { renderProgressText } = await import('../../report/progress.js');
  const paint = await createPaint(opts.color);
  process.stdout.write(renderProgressText(progress, { paint }));
  process.stdout.write(
    paint.dim(
      `${runs.length} run(s) in ${runsDir()}${opts.html ? `; page written to ${opts.html}` : ''}; \`ailab report last\` shows the latest\n`,
    ),
  );
  return ExitCode.ok;
}
