// `sudo` in a step over SSH: ailab's channels have no terminal, so sudo cannot ask for its password.
// When the host's sudo wants one, ailab takes it from AILAB_SUDO_PASSWORD or a prompt, writes it over
// SFTP to a 0600 file in a 0700 folder on the host (never into a command line, which `ps` shows), and
// defines a `sudo` function (exported, so scripts see it too) that hands it to sudo via SUDO_ASKPASS.
import { shellQuote } from '../spec/interpolate.js';

/** Prints `none` (no sudo), `nopasswd` (sudo -n works) or `password`. */
export const SUDO_PROBE =
  'command -v sudo >/dev/null 2>&1 || { echo none; exit 0; }; if sudo -n true 2>/dev/null; then echo nopasswd; else echo password; fi';

/** Does a command (a step's script) call sudo? */
export function usesSudo(command: string): boolean {
  return /(^|[^\w-])sudo(\s|$)/m.test(command);
}

export function askpassScript(passwordFile: string): string {
  return `#!/bin/sh\nexec cat ${shellQuote(passwordFile)}\n`;
}

/** Shell lines that make `sudo` read its password through the askpass helper (unless told -S, -A or -n). */
export function sudoFunction(askpass: string): string {
  return [
    'sudo() {',
    '  case " $* " in',
    '    *" -A "*|*" -S "*|*" -n "*|*" --askpass "*|*" --stdin "*|*" --non-interactive "*) command sudo "$@" ;;',
    `    *) SUDO_ASKPASS=${shellQuote(askpass)} command sudo -A "$@" ;;`,
    '  esac',
    '}',
    'export -f sudo',
  ].join('\n');
}
