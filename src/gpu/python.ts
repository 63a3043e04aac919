// Run a Python script on the target through the lab's shell: the script is piped to the interpreter's
// standard input (`python3 - args`), so nothing needs uploading, and its one result line is found by a
// marker, whatever else the interpreter or the libraries print.
import type { CheckContext } from '../checks/types.js';
import { shellQuote } from '../spec/interpolate.js';
import type { ExecResult } from '../targets/types.js';

export interface PythonRun {
  result: ExecResult;
  /** The JSON after the marker, when the script printed it. */
  json?: Record<string, unknown>;
}

/** The shell command that runs a script from standard input with `interpreter` (a shell word list, e.g. `.venv/bin/python`). */
export function pythonCommand(interpreter: string, args: string[]): string {
  return `${interpreter} - ${args.map(shellQuote).join(' ')}`.trimEnd();
}

/** The JSON printed after `marker` on a line of its own, if any. */
export function readMarkedJson(stdout: string, marker: string): Record<string, unknown> | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(marker));
  if (!line) return undefined;
  try {
    const value = JSON.parse(line.slice(marker.length));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Why an interpreter did not run the script at all (not found, not executable), or undefined. */
export function interpreterProblem(interpreter: string, result: ExecResult): string | undefined {
  if (result.exitCode === 127)
    return `the Python interpreter \`${interpreter}\` is not on the target (command not found)`;
  if (result.exitCode === 126)
    return `the Python interpreter \`${interpreter}\` cannot be run (permission denied)`;
  return undefined;
}

/** Run `script` with `interpreter` in the lab's shell and read its marked JSON line. */
export async function runPython(
  ctx: Pick<CheckContext, 'sh'>,
  options: {
    interpreter: string;
    script: string;
    args?: string[];
    marker: string;
    wrap?: (command: string) => string;
  },
): Promise<PythonRun> {
  const command = pythonCommand(options.interpreter, options.args ?? []);
  const result = await ctx.sh(options.wrap ? options.wrap(command) : command, { input: options.script });
  return { result, json: readMarkedJson(result.stdout, options.marker) };
}
