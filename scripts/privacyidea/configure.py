#!/usr/bin/env python3
"""Apply the Countersign test configuration to a running privacyIDEA via its REST API.

Idempotent (every call overwrites): flat-file resolver, default realm, push enrollment and
authentication policies. Called by start.sh; uses only the standard library.
"""
import argparse
import json
import sys
import urllib.parse
import urllib.request


def call(url, method, path, token=None, data=None):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url + path, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            out = json.load(resp)
    except urllib.error.HTTPError as e:
        out = json.load(e)
    if not out.get("result", {}).get("status"):
        sys.exit(f"{method} {path} failed: {json.dumps(out)}")
    print(f"{method} {path}: {json.dumps(out['result'].get('value'))}")
    return out["result"]["value"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--admin", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--realm", required=True)
    ap.add_argument("--resolver", required=True)
    ap.add_argument("--users-file", required=True)
    a = ap.parse_args()

    token = call(a.url, "POST", "/auth", data={"username": a.admin, "password": a.password})["token"]
    call(a.url, "POST", f"/resolver/{a.resolver}", token,
         {"type": "passwdresolver", "fileName": a.users_file})
    call(a.url, "POST", f"/realm/{a.realm}", token, {"resolvers": a.resolver})
    call(a.url, "POST", f"/defaultrealm/{a.realm}", token)

    # Enrollment: poll-only push (no Firebase), registration URL = this server, no TLS on 127.0.0.1.
    call(a.url, "POST", "/policy/countersign-push-enroll", token, {
        "scope": "enrollment",
        "action": ",".join([
            "push_firebase_configuration=poll only",
            f"push_registration_url={a.url}/ttype/push",
            "push_ssl_verify=0",
            "push_ttl=10",
        ]),
        "active": True,
    })
    # Authentication: allow polling, fixed texts so tests can assert on them.
    call(a.url, "POST", "/policy/countersign-push-auth", token, {
        "scope": "authentication",
        "action": ",".join([
            "push_allow_polling=allow",
            "push_ssl_verify=0",
            "push_title_on_mobile=Countersign test",
            "push_text_on_mobile=Confirm the Countersign test login?",
        ]),
        "active": True,
    })
    # Number matching is off by default; scripts/privacyidea/policy.sh toggles it.


if __name__ == "__main__":
    main()
