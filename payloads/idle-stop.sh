#!/bin/bash
# ailab idle stop: run on a cloud host ailab launched (as root, from its user data or startup script),
# it shuts the host down after LIMIT_MINUTES in a row with nobody on it, the way SkyPilot's autostop
# does: the host decides by itself, so it works when ailab, the laptop or the network is gone.
#
#   idle-stop.sh LIMIT_MINUTES [TICK_SECONDS=60]
#
# Every tick the host is busy when
#   - an SSH session is open: OpenSSH titles each session's process `sshd: USER@pts/N`, or
#     `sshd: USER@notty` for an exec channel without a terminal (what ailab runs its steps on);
#     OpenSSH 9.8 and later say `sshd-session: USER@…`. The listener and connections that have not
#     logged in yet have no `USER@` in their title;
#   - or any GPU's utilization.gpu is above 5 % (no nvidia-smi, or an error from it: the GPUs count
#     as idle).
# Idle time is counted in ticks (ticks × TICK_SECONDS); a busy tick starts the count again. When it
# reaches LIMIT_MINUTES the host runs `shutdown -h now`: on AWS (InstanceInitiatedShutdownBehavior=
# terminate) that terminates the instance, on GCP it stops the VM.
# Cancel it on the host with `sudo systemctl stop ailab-idle-stop`.
# AILAB_IDLE_STOP_SLEEP overrides the seconds slept between ticks (tests); the count still adds
# TICK_SECONDS per tick.
set -u

TAG=ailab-idle-stop
LIMIT_MINUTES=${1:-}
TICK_SECONDS=${2:-60}
SLEEP_SECONDS=${AILAB_IDLE_STOP_SLEEP:-$TICK_SECONDS}
GPU_BUSY_PERCENT=5
SSH_SESSION='^sshd(-session)?: [^ ]+@'

log() {
  echo "$TAG: $*" >&2
  logger -t "$TAG" -- "$*" 2>/dev/null || true
}

case $LIMIT_MINUTES in '' | *[!0-9]*) LIMIT_MINUTES=x ;; esac
case $TICK_SECONDS in '' | *[!0-9]*) TICK_SECONDS=x ;; esac
if [ "$LIMIT_MINUTES" = x ] || [ "$TICK_SECONDS" = x ] || [ "$LIMIT_MINUTES" -lt 1 ] || [ "$TICK_SECONDS" -lt 1 ]; then
  echo "usage: $0 LIMIT_MINUTES [TICK_SECONDS]   (whole numbers above 0)" >&2
  exit 2
fi
LIMIT_SECONDS=$((LIMIT_MINUTES * 60))

# 0 when an SSH session is open. Only pgrep's "nothing matched" (exit 1) counts as no session: when
# pgrep is missing or fails, the host counts as busy rather than stopping under someone's feet.
ssh_session_open() {
  pgrep -f "$SSH_SESSION" >/dev/null 2>&1
  [ $? -ne 1 ]
}

# 0 when a GPU is busy. One line per GPU, a number of percent (or [N/A] on some MIG setups).
gpu_busy() {
  local out line
  command -v nvidia-smi >/dev/null 2>&1 || return 1
  if command -v timeout >/dev/null 2>&1; then
    out=$(timeout 30 nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits 2>/dev/null) || return 1
  else
    out=$(nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits 2>/dev/null) || return 1
  fi
  while IFS= read -r line; do
    line=${line//[[:space:]]/}
    line=${line%\%}
    case $line in '' | *[!0-9]*) continue ;; esac
    [ "$((10#$line))" -gt "$GPU_BUSY_PERCENT" ] && return 0
  done <<<"$out"
  return 1
}

log "watching: this host shuts down after $LIMIT_MINUTES idle minutes (no SSH session, no GPU above $GPU_BUSY_PERCENT %)"
idle=0
while :; do
  sleep "$SLEEP_SECONDS"
  if ssh_session_open || gpu_busy; then
    idle=0
    continue
  fi
  idle=$((idle + TICK_SECONDS))
  if [ "$idle" -ge "$LIMIT_SECONDS" ]; then
    log "idle for $LIMIT_MINUTES minutes: shutting down"
    if shutdown -h now "ailab: idle for $LIMIT_MINUTES minutes"; then
      exit 0
    fi
    log "shutdown failed; trying again next tick"
  fi
done
