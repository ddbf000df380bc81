#!/usr/bin/env bash
# Stop the privacyIDEA test server started by start.sh (state is kept; delete the state dir to reset).
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="${PRIVACYIDEA_STATE_DIR:-$SCRIPT_DIR/../../target/privacyidea}"
PIDFILE="$STATE_DIR/gunicorn.pid"
if [ ! -f "$PIDFILE" ]; then
    echo "privacyIDEA: not running (no $PIDFILE)"
    exit 0
fi
pid="$(cat "$PIDFILE")"
if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "privacyIDEA: pid $pid did not exit after 10 s, sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "privacyIDEA: stopped pid $pid"
else
    echo "privacyIDEA: stale pid file (pid $pid not running)"
fi
rm -f "$PIDFILE"
