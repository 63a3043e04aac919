// The few errors that stop a run. Everything else (a failed step, a failed check) is data in the result.
// One function in the CLI maps these to exit codes; none of them prints a stack trace.

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  preflight: 3,
  interrupted: 130,
} as const;

export class AilabError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad flag or argument. */
export class UsageError extends AilabError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

export interface SpecProblem {
  file: string;
  line: number;
  column: number;
  /** Where in the lab, e.g. steps[2].expect[0].timeout. */
  path: string;
  message: string;
}

/** A lab spec that cannot be used; carries every problem found, each with file:line:col. */
export class SpecError extends AilabError {
  constructor(readonly problems: SpecProblem[]) {
    super(problems.map(formatProblem).join('\n'), ExitCode.usage);
  }
}

export function formatProblem(p: SpecProblem): string {
  const where = p.path ? ` (${p.path})` : '';
  return `${p.file}:${p.line}:${p.column}: ${p.message}${where}`;
}

/** The target cannot be reached or used (unreachable host, auth failure). */
export class TargetError extends AilabError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.preflight, hint);
  }
}

/** A cloud host cannot be provisioned or removed (quota, capacity, credentials, a cost limit). */
export class ProvisionError extends AilabError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.preflight, hint);
  }
}
