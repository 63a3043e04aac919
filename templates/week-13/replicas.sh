#!/usr/bin/env bash
# Start replicas of the inference API (main.py) with uvicorn on this machine, one per NAME:PORT:TRACK:VERSION,
# each with its PID in run/NAME.pid and its log in logs/NAME.log; wait for all of them.
# With RESTART=1 a replica that dies is started again after RESTART_DELAY_S seconds (what a Deployment
# does for a pod: week 19's auto-healing), and each start is logged to logs/NAME.starts.
# Usage: replicas.sh PYTHON NAME:PORT:TRACK:VERSION...
set -u
python=$1
shift
mkdir -p run logs

replica() {
  local name=$1 port=$2 track=$3 version=$4
  while :; do
    POD_NAME=$name APP_TRACK=$track APP_VERSION=$version \
      "$python" -m uvicorn main:app --host 127.0.0.1 --port "$port" >>"logs/$name.log" 2>&1 &
    local pid=$!
    echo "$pid" >"run/$name.pid"
    echo "$(date +%s.%N) $pid" >>"logs/$name.starts"
    wait "$pid"
    echo "$(date +%s.%N) replica $name (pid $pid) exited" >>"logs/$name.log"
    [ "${RESTART:-0}" = 1 ] || return 0
    sleep "${RESTART_DELAY_S:-1}"
  done
}

for spec in "$@"; do
  IFS=: read -r name port track version <<<"$spec"
  replica "$name" "$port" "$track" "$version" &
done
wait
