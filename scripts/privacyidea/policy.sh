#!/usr/bin/env bash
# Set or delete privacyIDEA policies on the server started by start.sh (admin REST API).
#
#   policy.sh presence on [ALPHABETIC|NUMERIC|CUSTOM] [NUM_OPTIONS] [CUSTOM_OPTIONS]
#       authentication policy "countersign-push-presence":
#         push_require_presence (bool), push_presence_options, push_presence_num_options (2..10),
#         push_presence_custom_options ("A1:B2:C3", colon separated, only with CUSTOM)
#   policy.sh presence off
#   policy.sh set NAME SCOPE 'action1=value1,action2'   (any policy; realm not restricted)
#   policy.sh delete NAME
#   policy.sh list
#
# Reads PRIVACYIDEA_URL / _ADMIN_USER / _ADMIN_PASSWORD from $PRIVACYIDEA_STATE_DIR/env.
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="${PRIVACYIDEA_STATE_DIR:-$SCRIPT_DIR/../../target/privacyidea}"
# shellcheck disable=SC1091
. "$STATE_DIR/env"
PY="${PRIVACYIDEA_VENV:-$STATE_DIR/venv}/bin/python"

api() { # METHOD PATH [JSON]
    "$PY" - "$@" <<'PYEOF'
import json, os, sys, urllib.request, urllib.error
base = os.environ["PRIVACYIDEA_URL"]
def call(method, path, data=None, token=None):
    body = json.dumps(data).encode() if data is not None else None
    r = urllib.request.Request(base + path, data=body, method=method)
    if body is not None:
        r.add_header("Content-Type", "application/json")
    if token:
        r.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(r, timeout=60) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        return json.load(e)
tok = call("POST", "/auth", {"username": os.environ["PRIVACYIDEA_ADMIN_USER"],
                             "password": os.environ["PRIVACYIDEA_ADMIN_PASSWORD"]})["result"]["value"]["token"]
method, path = sys.argv[1], sys.argv[2]
out = call(method, path, json.loads(sys.argv[3]) if len(sys.argv) > 3 else None, tok)
print(json.dumps(out["result"]))
sys.exit(0 if out["result"].get("status") else 1)
PYEOF
}
export PRIVACYIDEA_URL PRIVACYIDEA_ADMIN_USER PRIVACYIDEA_ADMIN_PASSWORD

case "${1:-}" in
presence)
    case "${2:-}" in
    on)
        action="push_require_presence,push_presence_options=${3:-ALPHABETIC}"
        [ -n "${4:-}" ] && action+=",push_presence_num_options=$4"
        [ -n "${5:-}" ] && action+=",push_presence_custom_options=$5"
        api POST /policy/countersign-push-presence \
            "{\"scope\": \"authentication\", \"action\": \"$action\", \"active\": true}"
        ;;
    off)
        api DELETE /policy/countersign-push-presence || true ;;
    *) echo "usage: $0 presence on|off ..." >&2; exit 2 ;;
    esac ;;
set)
    [ $# -eq 4 ] || { echo "usage: $0 set NAME SCOPE ACTION" >&2; exit 2; }
    "$PY" -c 'import json,sys; print(json.dumps({"scope": sys.argv[1], "action": sys.argv[2], "active": True}))' \
        "$3" "$4" > "$STATE_DIR/.policy.json"
    api POST "/policy/$2" "$(cat "$STATE_DIR/.policy.json")" ;;
delete)
    api DELETE "/policy/$2" ;;
list)
    api GET /policy/ ;;
*)
    sed -n '2,13p' "$0"; exit 2 ;;
esac
