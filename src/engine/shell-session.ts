// Steps share shell state as in a learner's terminal: a `cd`, an `export`, a `source .venv/bin/activate`
// or a function defined in one step holds in the next. Each command runs in a fresh `bash -c` that first
// restores the state saved by the previous one and, on exit (an EXIT trap, so also after `exit 3` or a
// failure), saves it again. A fresh process per step keeps timeouts and exit codes exact, and works the
// same on every target: the state is a file on the target.
import { shellQuote } from '../spec/interpolate.js';
import type { BackgroundProcess, ExecOptions, ExecResult, Target } from '../targets/types.js';

// Bash's own and per-process variables: never saved or restored.
const SKIP_VARS =
  '__ailab_*|BASH|BASH_*|BASHPID|BASHOPTS|SHELLOPTS|EUID|PPID|UID|GROUPS|FUNCNAME|PIPESTATUS|RANDOM|SRANDOM|SECONDS|LINENO|HISTCMD|EPOCHREALTIME|EPOCHSECONDS|OPTIND|OPTARG|OPTERR|COMP_*|DIRSTACK|PWD|OLDPWD|SHLVL|_|HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|IFS|PS1|PS2|PS4|COLUMNS|LINES';

function saveFunction(stateFile: string): string {
  const q = shellQuote(stateFile);
  return `__ailab_save() {
  local __ailab_rc=$?
  eval "$__ailab_undo"
  [ -n "$__ailab_keep_pwd" ] && builtin cd -- "$__ailab_keep_pwd" 2>/dev/null
  local __ailab_n __ailab_names=() __ailab_fns=() __ailab_all=() __ailab_old= __ailab_new=
  # Names go through a file, not $(...): no subshell to fork (a step's cost is mostly processes started).
  compgen -v > ${q}.tmp 2>/dev/null; mapfile -t __ailab_all < ${q}.tmp 2>/dev/null || :
  for __ailab_n in "\${__ailab_all[@]}"; do
    case "$__ailab_n" in ${SKIP_VARS}) continue ;; esac
    [[ \${!__ailab_n@a} == *r* ]] && continue
    __ailab_names+=("$__ailab_n")
  done
  compgen -A function > ${q}.tmp 2>/dev/null; mapfile -t __ailab_all < ${q}.tmp 2>/dev/null || :
  for __ailab_n in "\${__ailab_all[@]}"; do
    case "$__ailab_n" in __ailab_*) continue ;; esac
    __ailab_fns+=("$__ailab_n")
  done
  {
    [ \${#__ailab_names[@]} -gt 0 ] && declare -p "\${__ailab_names[@]}"
    [ \${#__ailab_fns[@]} -gt 0 ] && declare -f "\${__ailab_fns[@]}"
    alias -p
    printf 'builtin cd -- %q\\n' "$PWD"
  } > ${q}.tmp 2>/dev/null || return $__ailab_rc
  # Replace the state (atomically) only when it changed: mv costs a process, 1-4 ms a step.
  IFS= read -r -d '' __ailab_new < ${q}.tmp || :
  [ -f ${q} ] && { IFS= read -r -d '' __ailab_old < ${q} || :; }
  [ "$__ailab_new" == "$__ailab_old" ] || mv -f ${q}.tmp ${q}
  return $__ailab_rc
}`;
}

export interface ShellRunOptions extends Omit<ExecOptions, 'cwd' | 'env'> {
  /** Variables for this command only. */
  env?: Record<string, string>;
  /** A folder for this command only; the session's folder is unchanged afterwards. */
  cwd?: string;
}

export class ShellSession {
  private readonly stateFile: string;

  constructor(
    private readonly target: Target,
    stateDir: string,
    /** Where the first step starts. */
    private readonly startDir: string,
    /** Variables every command sees (ailab's own: AILAB_WORK_DIR …). */
    private readonly baseEnv: Record<string, string> = {},
  ) {
    this.stateFile = `${stateDir}/shell-state.sh`;
  }

  private prelude(options: ShellRunOptions, save: boolean): string {
    const lines = [
      'shopt -s expand_aliases',
      // Never run in some other folder (the CLI's) when the work folder is missing: stop with cd's error.
      `if [ -f ${shellQuote(this.stateFile)} ]; then . ${shellQuote(this.stateFile)}; else builtin cd -- ${shellQuote(this.startDir)} || exit 1; fi`,
    ];
    for (const [name, value] of Object.entries(this.baseEnv))
      lines.push(`export ${name}=${shellQuote(value)}`);
    lines.push("__ailab_undo=''", "__ailab_keep_pwd=''");
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (save) {
        lines.push(
          `if [[ -v ${name} ]]; then __ailab_undo+=$'\\n'"export ${name}=\${${name}@Q}"; else __ailab_undo+=$'\\n'"unset ${name}"; fi`,
        );
      }
      lines.push(`export ${name}=${shellQuote(value)}`);
    }
    if (options.cwd) {
      lines.push('__ailab_keep_pwd=$PWD', `builtin cd -- ${shellQuote(options.cwd)} || exit 1`);
    }
    if (save) lines.push(saveFunction(this.stateFile), 'trap __ailab_save EXIT');
    return lines.join('\n');
  }

  /** Run a step's commands: state is restored before and saved after. `set -e`: the first failing command fails the step. */
  run(command: string, options: ShellRunOptions = {}): Promise<ExecResult> {
    const script = `${this.prelude(options, true)}\nset -e\n${command}\n`;
    return this.target.exec(script, { ...options, cwd: undefined, env: undefined });
  }

  /** Run a command in the current state without changing it (checks, cleanup). */
  peek(command: string, options: ShellRunOptions = {}): Promise<ExecResult> {
    const script = `${this.prelude(options, false)}\n${command}\n`;
    return this.target.exec(script, { ...options, cwd: undefined, env: undefined });
  }

  /** Start a service in the current state; it runs until stopped. */
  background(command: string, logPath: string, options: ShellRunOptions = {}): Promise<BackgroundProcess> {
    const script = `${this.prelude(options, false)}\n${command}\n`;
    return this.target.spawnBackground(script, { ...options, cwd: undefined, env: undefined, logPath });
  }
}
