#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 for Countersign's tests.
#
# Throwaway on every run: a cluster left by an earlier run is stopped and
# deleted (via stop.sh), then a fresh one is created with initdb and started on
# a random free port. Takes a few seconds. Stop and delete it with stop.sh.
#
# Use it from a shell or CI:
#   scripts/postgres/start.sh
#   export COUNTERSIGN_TEST_POSTGRES="$(cat target/postgres/url)"
#   ...run the tests...
#   scripts/postgres/stop.sh
#
# Uses Debian's PostgreSQL (/usr/lib/postgresql/<newest>/bin, else initdb and
# pg_ctl from PATH) and installs the `postgresql` package when it is missing and
# we are root. The Debian system service and its "main" cluster are never
# started or touched: no systemctl, service or pg_ctlcluster here.
#
# State in <repo>/target/postgres/:
#   url      postgres://countersign@127.0.0.1:PORT/postgres
#   pgdata   absolute path of the data directory (see "where the data lives")
#   bindir   directory of the pg_ctl that started it (stop.sh uses the same one)
#   server.log -> the server's log ($PGDATA/server.log)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
cd "$REPO_ROOT"
STATE_DIR="$REPO_ROOT/target/postgres"
HOST=127.0.0.1
DB_USER=countersign

t0=$(date +%s)
log() { printf '[postgres %3ss] %s\n' "$(( $(date +%s) - t0 ))" "$*" >&2; }
die() { echo "postgres: $*" >&2; exit 1; }

# --- 1. find (or install) the binaries ------------------------------------------
# Debian keeps them out of PATH, one directory per major version; take the newest.
find_bindir() {
    local v
    if [ -d /usr/lib/postgresql ]; then
        for v in $(ls /usr/lib/postgresql | sort -rV); do
            if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ] && [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then
                echo "/usr/lib/postgresql/$v/bin"
                return 0
            fi
        done
    fi
    # Other layouts (Fedora, Homebrew, a source build) put them on PATH. Resolve
    # symlinks so initdb/pg_isready are looked up next to the real pg_ctl.
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return 0
    fi
    return 1
}
if ! BINDIR="$(find_bindir)"; then
    if [ "$(id -u)" = 0 ]; then
        log "PostgreSQL not found; installing Debian's postgresql package"
        # The package's postinst creates a "main" cluster and asks invoke-rc.d to
        # start it (containers usually forbid that via policy-rc.d); we do not use it.
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        BINDIR="$(find_bindir)" || die "installed postgresql but found no pg_ctl/initdb"
    else
        die "PostgreSQL is not installed; install it (Debian: sudo apt-get install postgresql) and rerun"
    fi
fi
INITDB="$BINDIR/initdb"
PG_CTL="$BINDIR/pg_ctl"
# pg_isready ships in the client package and may live elsewhere than pg_ctl.
if [ -x "$BINDIR/pg_isready" ]; then PG_ISREADY="$BINDIR/pg_isready"
elif command -v pg_isready >/dev/null 2>&1; then PG_ISREADY="$(command -v pg_isready)"
else die "pg_isready not found (next to $PG_CTL or on PATH)"; fi

# --- 2. who runs the server -------------------------------------------------------
# initdb and pg_ctl refuse to run as root. As root they run as the postgres
# user (created by the Debian package); otherwise as the current user.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run the server as"
    PG_OS_USER=postgres
    # cd /: the postgres user may not be allowed into the current directory.
    as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
    PG_OS_USER="$(id -un)"
    as_pg() { "$@"; }
fi

# --- 3. fresh state: stop and delete what an earlier run left -------------------
"$SCRIPT_DIR/stop.sh" >&2
mkdir -p "$STATE_DIR"
# Readable by others so that, as root, the postgres user can reach data/ below it.
chmod 755 "$STATE_DIR"

# --- 4. where the data lives --------------------------------------------------------
# Normally in target/postgres/data. Two cases need a directory under /tmp instead:
#  - as root, the postgres user cannot traverse the path to the repo (e.g. a
#    checkout under /root, or a 700 directory under /tmp);
#  - the path is too long for the Unix socket, which lives in the data directory
#    ("$PGDATA/.s.PGSQL.NNNNN" must fit in sun_path, 107 bytes).
# /tmp itself rather than $TMPDIR: the latter may be private to the current user.
PGDATA="$STATE_DIR/data"
why=
if [ "$PG_OS_USER" != "$(id -un)" ] && ! runuser -u "$PG_OS_USER" -- test -x "$STATE_DIR" 2>/dev/null; then
    why="user $PG_OS_USER cannot reach $STATE_DIR"
elif [ $(( ${#PGDATA} + 18 )) -gt 107 ]; then
    why="$PGDATA is too long for a socket path"
fi
if [ -n "$why" ]; then
    cluster_tmp="$(mktemp -d /tmp/countersign-postgres.XXXXXX)"
    chown "$PG_OS_USER" "$cluster_tmp"
    PGDATA="$cluster_tmp/data"
    log "data directory is $PGDATA ($why)"
fi
mkdir "$PGDATA"
chown "$PG_OS_USER" "$PGDATA"
chmod 700 "$PGDATA"
# Written before the server starts, so stop.sh can clean up after a failed start.
echo "$PGDATA" > "$STATE_DIR/pgdata"
echo "$BINDIR" > "$STATE_DIR/bindir"
ln -sfn "$PGDATA/server.log" "$STATE_DIR/server.log"

# --- 5. initdb ---------------------------------------------------------------------
# trust auth: the server only listens on 127.0.0.1 and on a Unix socket inside
# the 700 data directory, and it lives for one test run (any local user can
# connect over TCP meanwhile; fine on a CI or developer machine). --no-sync: nothing here has to
# survive a crash, and fsyncing the ~40 MB of catalogs costs seconds.
log "initdb $PGDATA ($("$INITDB" --version))"
if ! as_pg "$INITDB" -D "$PGDATA" --auth=trust --username="$DB_USER" -E UTF8 --locale=C \
        --no-sync --no-instructions >"$STATE_DIR/initdb.log" 2>&1; then
    cat "$STATE_DIR/initdb.log" >&2
    die "initdb failed"
fi

# --- 6. start ------------------------------------------------------------------------
# A free port chosen by the kernel. Another process could take it before the
# server binds it; then pg_ctl fails and the log says so.
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# fsync, synchronous_commit and full_page_writes off: a throwaway test cluster
# need not survive a power loss, and the tests commit a lot.
# max_connections=300: tests run in parallel, each with its own pool.
# pg_ctl hands -o to /bin/sh, hence the quotes around the socket directory.
log "starting on $HOST:$PORT"
if ! as_pg "$PG_CTL" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
        -o "-p $PORT -k '$PGDATA' -c listen_addresses=$HOST -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >"$STATE_DIR/pg_ctl.log" 2>&1; then
    cat "$STATE_DIR/pg_ctl.log" >&2
    echo "--- $PGDATA/server.log" >&2
    tail -30 "$PGDATA/server.log" >&2 || true
    # Leave no half-started server behind; the files stay for a look until the next start/stop.
    as_pg "$PG_CTL" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
    die "the server did not start"
fi

# pg_ctl -w already waited for the postmaster; this checks that it accepts
# connections over TCP, which is what the tests use.
ready=0
for _ in $(seq 1 100); do
    if "$PG_ISREADY" -q -h "$HOST" -p "$PORT" -U "$DB_USER" -d postgres; then ready=1; break; fi
    sleep 0.2
done
if [ "$ready" = 0 ]; then
    echo "--- $PGDATA/server.log" >&2
    tail -30 "$PGDATA/server.log" >&2 || true
    as_pg "$PG_CTL" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
    die "the server did not accept connections on $HOST:$PORT within 20 s"
fi

URL="postgres://$DB_USER@$HOST:$PORT/postgres"
echo "$URL" > "$STATE_DIR/url"
log "ready: $URL (export COUNTERSIGN_TEST_POSTGRES=\"\$(cat $STATE_DIR/url)\")"
echo "$URL"
