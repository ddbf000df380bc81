#!/usr/bin/env bash
# Stop the throwaway PostgreSQL cluster started by start.sh and delete it (its
# data directory and target/postgres/). Nothing to do is not an error.
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE_DIR="$REPO_ROOT/target/postgres"

if [ ! -d "$STATE_DIR" ]; then
    echo "postgres: not running (no $STATE_DIR)"
    exit 0
fi
PGDATA="$(cat "$STATE_DIR/pgdata" 2>/dev/null || echo "$STATE_DIR/data")"

# Only ever delete what start.sh creates: target/postgres/data or a
# /tmp/countersign-postgres.XXXXXX directory holding data/. Anything else in
# the pgdata file is left alone.
case "$PGDATA" in
    "$STATE_DIR/data") cluster_tmp= ;;
    /tmp/countersign-postgres.??????/data) cluster_tmp="$(dirname "$PGDATA")" ;;
    *) echo "postgres: $STATE_DIR/pgdata names $PGDATA, which start.sh does not create; not touching it" >&2
       exit 1 ;;
esac

if [ -f "$PGDATA/postmaster.pid" ]; then
    # pg_ctl refuses to run as root: run it as the data directory's owner.
    owner="$(stat -c %U "$PGDATA")"
    if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
        as_owner() { (cd / && runuser -u "$owner" -- "$@"); }
    else
        as_owner() { "$@"; }
    fi
    BINDIR="$(cat "$STATE_DIR/bindir" 2>/dev/null || true)"
    if [ -n "$BINDIR" ] && [ -x "$BINDIR/pg_ctl" ]; then PG_CTL="$BINDIR/pg_ctl"
    else PG_CTL="$(command -v pg_ctl || true)"; fi
    pid="$(head -n 1 "$PGDATA/postmaster.pid")"
    case "$pid" in ''|*[!0-9]*) pid=0 ;; esac

    # pg_ctl status: 0 running, 3 not running (e.g. a pid file left by a crash).
    if [ -n "$PG_CTL" ] && as_owner "$PG_CTL" -D "$PGDATA" status >/dev/null 2>&1; then
        # fast: roll back open transactions and disconnect clients rather than wait for them.
        if as_owner "$PG_CTL" -D "$PGDATA" -m fast -w -t 30 stop >/dev/null; then
            echo "postgres: stopped pid $pid"
        else
            echo "postgres: pg_ctl stop failed (did the server crash?); cleaning up anyway" >&2
        fi
    fi
    # Without pg_ctl, or if it failed: signal the postmaster directly, if the
    # pid is still ours (its command line names this data directory; a zombie
    # has none). SIGINT is a fast shutdown; the backends exit with the postmaster.
    ours() { tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "-D $PGDATA"; }
    if ours; then
        kill -INT "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            ours || break
            sleep 0.2
        done
        if ours; then
            echo "postgres: pid $pid did not exit after 10 s, sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        echo "postgres: stopped pid $pid"
    fi
    # The postmaster stays a zombie until init reaps it (about a second here);
    # wait a little so that `ps` right after this script shows nothing.
    for _ in $(seq 1 25); do
        case "$(ps -o stat= -p "$pid" 2>/dev/null)" in Z*) sleep 0.2 ;; *) break ;; esac
    done
else
    echo "postgres: not running (no $PGDATA/postmaster.pid)"
fi

rm -rf "$STATE_DIR"
[ -z "$cluster_tmp" ] || rm -rf "$cluster_tmp"
