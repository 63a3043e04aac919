// `ailab report <run-id|last>`: render a run from the history again, in any report format.
import { ExitCode } from '../../errors.js';
import { findRuns } from '../../report/history.js';
import { parseReportFlag, renderReport } from '../../report/index.js';
import { writeReportFile } from '../../report/write.js';

export interface ReportOptions {
  format: string;
  output?: string;
}

export async function reportCommand(ref: string, opts: ReportOptions): Promise<number> {
  // The same names as --report, checked the same way (an unknown format is a usage error).
  const { format, file } = parseReportFlag(opts.format);
  const output = opts.output ?? file;
  const results = await findRuns(ref);
  const text = await renderReport(format, results);
  if (output) {
    await writeReportFile(output, text);
    process.stderr.write(`ailab: wrote ${output} (${format}, run ${results[0].runId})\n`);
  } else {
    process.stdout.write(text);
  }
  return ExitCode.ok;
}
