// The idle stop, SkyPilot's autostop done by the host itself: payloads/idle-stop.sh, installed and
// started as root at boot by the AWS user data or the GCP startup-script, shuts the host down after
// N minutes with no SSH session and no busy GPU. It keeps working when ailab or the laptop is gone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { packageRoot } from '../util/package-root.js';

/** Where the watcher is installed on the host, and its systemd unit. */
export const IDLE_STOP_PATH = '/usr/local/sbin/ailab-idle-stop';
export const IDLE_STOP_UNIT = 'ailab-idle-stop';
/** A lab's provision block has an idle stop of this many minutes unless it says `idle_stop: off`. */
export const DEFAULT_LAB_IDLE_STOP_MINUTES = 30;
/** Below this a host could stop before ailab has even logged in (AWS status checks take minutes). */
export const MIN_IDLE_STOP_MINUTES = 10;
export const MAX_IDLE_STOP_MINUTES = 24 * 60;
/** The pattern the watcher hands to `pgrep -f`: an SSH session's process title. */
export const SSH_SESSION_PATTERN = '^sshd(-session)?: [^ ]+@';
/** The heredoc delimiter the payload is written with: it must not be a line of the payload. */
const DELIMITER = 'AILAB_IDLE_STOP_PAYLOAD';

let payload: string | undefined;

/** payloads/idle-stop.sh, as shipped in the package. */
export function idleStopPayload(): string {
  payload ??= readFileSync(join(packageRoot(), 'payloads', 'idle-stop.sh'), 'utf8');
  return payload;
}

/**
 * Minutes of an idle stop setting (0: off): a duration (`30m`, `2h`, a bare number is seconds as
 * everywhere in ailab), or `off` / `false` / 0. Out of range or not a duration: a UsageError naming
 * `option` (`--idle-stop`, `provision.idle_stop`).
 */
export function parseIdleStop(value: string | number | boolean, option: string): number {
  if (value === false || value === 'off' || value === 'false') return 0;
  const ms = typeof value === 'boolean' ? undefined : parseDuration(value);
  if (ms === undefined)
    throw new UsageError(
      `${option} "${String(value)}" is not a duration`,
      'a duration such as 30m or 2h, or off',
    );
  if (ms === 0) return 0;
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < MIN_IDLE_STOP_MINUTES || minutes > MAX_IDLE_STOP_MINUTES)
    throw new UsageError(
      `${option} ${String(value)} is out of range`,
      `from ${MIN_IDLE_STOP_MINUTES}m to ${MAX_IDLE_STOP_MINUTES / 60}h (a bare number is seconds), or off`,
    );
  return minutes;
}

/** `30m`, `2h`, `1h30m`. */
export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m}m` : m === 0 ? `${h}h` : `${h}h${m}m`;
}

/** One line for the launch summary (`ailab up`, `ailab run` of a provision block). */
export function describeIdleStop(minutes: number | undefined, offHint: string): string {
  return minutes
    ? `idle stop: the host shuts itself down after ${formatMinutes(minutes)} with no SSH session and no GPU above 5 %`
    : `idle stop: off (${offHint})`;
}

/**
 * Bash lines (for a root script at boot) that write the watcher to IDLE_STOP_PATH and start it
 * detached: a transient systemd unit, or nohup where there is no systemd-run.
 */
export function idleStopInstaller(minutes: number): string {
  const text = idleStopPayload();
  if (text.split('\n').includes(DELIMITER)) throw new Error(`payloads/idle-stop.sh has a line ${DELIMITER}`);
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `# ailab idle stop: shut down after ${minutes} minutes with no SSH session and no busy GPU
# (cancel on the host: sudo systemctl stop ${IDLE_STOP_UNIT}).
mkdir -p ${IDLE_STOP_PATH.replace(/\/[^/]+$/, '')}
cat > ${IDLE_STOP_PATH} <<'${DELIMITER}'
${body}${DELIMITER}
chmod 0755 ${IDLE_STOP_PATH}
${idleStopStarter(minutes)}`;
}

/** Bash lines that start the installed watcher detached: a transient systemd unit, else nohup. */
export function idleStopStarter(minutes: number): string {
  return `if command -v systemd-run >/dev/null 2>&1; then
  systemd-run --unit=${IDLE_STOP_UNIT} --description="ailab idle stop after ${minutes} minutes" /bin/bash ${IDLE_STOP_PATH} ${minutes}
else
  nohup /bin/bash ${IDLE_STOP_PATH} ${minutes} >>/var/log/${IDLE_STOP_UNIT}.log 2>&1 </dev/null &
fi
`;
}

/** The GCP `startup-script` metadata value: Google's guest agent runs it as root at every boot. */
export function idleStopStartupScript(minutes: number): string {
  return `#!/bin/bash\n${idleStopInstaller(minutes)}`;
}
