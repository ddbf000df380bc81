#!/usr/bin/env python3
"""End-to-end smoke test of privacyIDEA push tokens, acting as the phone.

Run with the venv that start.sh created (it has requests, cryptography, rfc8785):
    target/privacyidea/venv/bin/python scripts/privacyidea/smoke.py [--dump FILE]

Reads target/privacyidea/env (or $PRIVACYIDEA_ENV_FILE). Exits non-zero on the first
unexpected answer. With --dump it writes every request/response pair as JSON, which is
what the protocol notes in README.md were taken from.

The push_require_presence part turns the policy on and off again itself.
"""
import argparse
import base64
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import requests
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HERE = Path(__file__).resolve().parent
LOG = []


def load_env():
    state = os.environ.get("PRIVACYIDEA_STATE_DIR", HERE.parent.parent / "target/privacyidea")
    path = Path(os.environ.get("PRIVACYIDEA_ENV_FILE", Path(state) / "env"))
    env = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            env[k] = v
    return env


def req(method, url, what, **kw):
    r = requests.request(method, url, timeout=60, **kw)
    try:
        body = r.json()
    except ValueError:
        body = r.text
    LOG.append({"step": what, "request": {"method": method, "url": url,
                                          **{k: v for k, v in kw.items() if k != "headers"}},
                "status": r.status_code, "date_header": r.headers.get("Date"), "response": body})
    return r.status_code, body


def expect(cond, msg, body=None):
    if not cond:
        print(f"FAIL: {msg}\n{json.dumps(body, indent=2)[:3000] if body is not None else ''}")
        sys.exit(1)
    print(f"ok: {msg}")


def b32(sig: bytes) -> str:
    return base64.b32encode(sig).decode()


class Phone:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
        self.server_pub = None
        self.serial = None
        self.url = None

    def pubkey_b64(self) -> str:
        der = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(der).decode()

    def sign(self, msg: str) -> str:
        return b32(self.key.sign(msg.encode(), padding.PKCS1v15(), hashes.SHA256()))

    def verify_server(self, sig_b32: str, msg: bytes):
        self.server_pub.verify(base64.b32decode(sig_b32), msg, padding.PKCS1v15(), hashes.SHA256())

    def poll(self, what, timestamp=None, sign_ts=None):
        ts = timestamp or datetime.now(timezone.utc).isoformat()
        sig = self.sign(f"{self.serial}|{sign_ts or ts}")
        return req("GET", self.url, what, params={"serial": self.serial, "timestamp": ts, "signature": sig})

    def check_challenge(self, ch):
        msg = "{nonce}|{url}|{serial}|{question}|{title}|{sslverify}".format(**ch)
        if "require_presence" in ch:
            msg += f"|{ch['require_presence']}"
        self.verify_server(ch["signature"], msg.encode())
        caps = json.loads(ch["capabilities"])
        self.verify_server(ch["capabilities_signature"],
                           rfc8785.dumps({"capabilities": caps, "nonce": ch["nonce"]}))

    def answer(self, what, ch, decline=False, reason=None, presence=None, sig_override=None):
        msg = f"{ch['nonce']}|{self.serial}"
        data = {"nonce": ch["nonce"], "serial": self.serial}
        if decline:
            msg += "|decline"
            data["decline"] = "1"
            if reason:
                msg += f"|{reason}"
                data["decline_reason"] = reason
        if presence:
            msg += f"|{presence}"
            data["presence_answer"] = presence
        data["signature"] = sig_override or self.sign(msg)
        return req("POST", self.url, what, data=data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", help="write all request/response pairs to this JSON file")
    ap.add_argument("--user", default="alice")
    args = ap.parse_args()

    env = load_env()
    base = env["PRIVACYIDEA_URL"]
    realm = env["PRIVACYIDEA_REALM"]
    user = args.user

    _, body = req("POST", f"{base}/auth", "admin login",
                  data={"username": env["PRIVACYIDEA_ADMIN_USER"], "password": env["PRIVACYIDEA_ADMIN_PASSWORD"]})
    token = body["result"]["value"]["token"]
    LOG[-1]["response"]["result"]["value"] = {"token": "<jwt>", "...": "..."}
    auth = {"Authorization": token}

    # Clean slate for this user: drop their old push tokens.
    _, body = req("GET", f"{base}/token/", "list tokens", headers=auth,
                  params={"user": user, "realm": realm, "type": "push"})
    for t in body["result"]["value"]["tokens"]:
        req("DELETE", f"{base}/token/{t['serial']}", "delete old token", headers=auth)

    # --- enrollment step 1 ---
    status, body = req("POST", f"{base}/token/init", "token/init push", headers=auth,
                       data={"type": "push", "genkey": 1, "user": user, "realm": realm})
    expect(status == 200 and body["result"]["status"], "token/init", body)
    detail = body["detail"]
    uri = (detail.get("googleurl") or detail.get("pushurl"))["value"]
    for k in ("googleurl", "pushurl"):
        if k in detail:
            detail[k]["img"] = "<data:image/png;base64,...>"
    print("enrollment URI:", uri)
    u = urlparse(uri)
    expect(u.scheme == "otpauth" and u.netloc == "pipush", "otpauth://pipush URI")
    q = {k: v[0] for k, v in parse_qs(u.query).items()}
    phone = Phone()
    phone.serial = q["serial"]
    phone.url = q["url"]
    expect(unquote(u.path.lstrip("/")) == phone.serial, "label is the serial (default tokenlabel <s>)")

    # --- enrollment step 2 ---
    status, body = req("POST", phone.url, "enroll step 2", data={
        "enrollment_credential": q["enrollment_credential"], "serial": phone.serial,
        "fbtoken": "countersign-no-firebase", "pubkey": phone.pubkey_b64()})
    expect(status == 200 and body["result"]["status"], "enrollment step 2", body)
    pk = body["detail"]["public_key"]
    phone.server_pub = serialization.load_pem_public_key(
        f"-----BEGIN RSA PUBLIC KEY-----\n{pk}\n-----END RSA PUBLIC KEY-----\n".encode())
    expect(phone.server_pub.key_size == 4096, "server public key is PKCS#1 RSA-4096")

    # Second step 2 with the same credential must fail (state no longer clientwait).
    status, body = req("POST", phone.url, "enroll step 2 replay", data={
        "enrollment_credential": q["enrollment_credential"], "serial": phone.serial,
        "fbtoken": "x", "pubkey": phone.pubkey_b64()})
    expect(not body["result"]["status"], "replayed enrollment rejected", body)

    # --- empty poll ---
    status, body = phone.poll("poll, nothing pending")
    expect(status == 200 and body["result"]["value"] == [], "empty poll returns []", body)

    def trigger(what):
        status, body = req("POST", f"{base}/validate/check", what, data={"user": user, "realm": realm, "pass": ""})
        expect(status == 200 and body["result"].get("authentication") == "CHALLENGE", what, body)
        return body["detail"]["transaction_id"], body

    def poll_one(what):
        status, body = phone.poll(what)
        expect(status == 200 and len(body["result"]["value"]) == 1, what, body)
        ch = body["result"]["value"][0]
        phone.check_challenge(ch)
        print("ok: challenge signatures verify")
        return ch

    def polltx(tx, what):
        return req("GET", f"{base}/validate/polltransaction", what, params={"transaction_id": tx})[1]

    # --- approve ---
    tx, _ = trigger("validate/check trigger (approve)")
    body = polltx(tx, "polltransaction pending")
    expect(body["result"]["value"] is False and body["detail"]["challenge_status"] == "pending", "pending", body)
    ch = poll_one("poll with challenge")
    status, body = phone.answer("answer approve", ch)
    expect(body["result"]["value"] is True, "approve accepted", body)
    body = polltx(tx, "polltransaction after approve")
    expect(body["result"]["value"] is True and body["detail"]["challenge_status"] == "accept", "accept", body)
    status, body = req("POST", f"{base}/validate/check", "validate/check finalize approve",
                       data={"user": user, "realm": realm, "pass": "", "transaction_id": tx})
    expect(body["result"]["value"] is True and body["result"]["authentication"] == "ACCEPT", "finalize", body)

    # --- answering again / unknown nonce ---
    status, body = phone.answer("answer replay", ch)
    expect(body["result"]["value"] is False, "replayed answer -> value false", body)

    # --- bad signature encodings on the poll ---
    now = datetime.now(timezone.utc)
    ts = now.isoformat()
    status, body = req("GET", phone.url, "poll with unpadded base32 signature", params={
        "serial": phone.serial, "timestamp": ts, "signature": phone.sign(f"{phone.serial}|{ts}").rstrip("=")})
    print("unpadded-signature poll ->", status, json.dumps(body["result"]))
    status, body = req("GET", phone.url, "poll with lower-case base32 signature", params={
        "serial": phone.serial, "timestamp": ts, "signature": phone.sign(f"{phone.serial}|{ts}").lower()})
    print("lowercase-signature poll ->", status, json.dumps(body["result"]))
    # --- timestamp forms and skew ---
    for label, t in [("Z suffix", now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
                     ("naive (UTC assumed)", now.replace(tzinfo=None).isoformat()),
                     ("+02:00 offset", now.astimezone(timezone(timedelta(hours=2))).isoformat()),
                     ("55 s old", (now - timedelta(seconds=55)).isoformat()),
                     ("65 s old", (now - timedelta(seconds=65)).isoformat()),
                     ("65 s in future", (now + timedelta(seconds=65)).isoformat()),
                     ("unix seconds", str(int(now.timestamp())))]:
        status, body = phone.poll(f"poll timestamp {label}", timestamp=t)
        print(f"timestamp {label} ({t}) -> {status} {json.dumps(body['result'])}")

    # --- decline (no reason) ---
    tx, _ = trigger("validate/check trigger (decline)")
    ch = poll_one("poll for decline")
    status, body = phone.answer("answer decline", ch, decline=True)
    expect(body["result"]["value"] is True, "decline accepted by /ttype/push", body)
    body = polltx(tx, "polltransaction after decline")
    expect(body["result"]["value"] is False and body["detail"]["challenge_status"] == "declined", "declined", body)
    status, body = req("POST", f"{base}/validate/check", "validate/check finalize decline",
                       data={"user": user, "realm": realm, "pass": "", "transaction_id": tx})
    print("finalize after decline ->", json.dumps(body["result"]), json.dumps(body.get("detail")))

    # --- decline with reasons ---
    for reason, expected in [("unknown_trigger", "declined"), ("cancelled", "cancelled"),
                             ("something_new", "declined")]:
        tx, _ = trigger(f"validate/check trigger (decline {reason})")
        ch = poll_one(f"poll for decline {reason}")
        status, body = phone.answer(f"answer decline reason={reason}", ch, decline=True, reason=reason)
        expect(body["result"]["value"] is True, f"decline {reason} accepted", body)
        body = polltx(tx, f"polltransaction after decline {reason}")
        expect(body["detail"]["challenge_status"] == expected, f"decline {reason} -> {expected}", body)

    # --- decline_reason present but NOT signed (legacy signature) -> must not verify ---
    tx, _ = trigger("validate/check trigger (unsigned reason)")
    ch = poll_one("poll for unsigned reason")
    sig = phone.sign(f"{ch['nonce']}|{phone.serial}|decline")
    status, body = phone.answer("answer decline with unsigned reason", ch, decline=True, reason="cancelled",
                                sig_override=sig)
    print("decline with reason not covered by signature ->", json.dumps(body["result"]))
    body = polltx(tx, "polltransaction after unsigned reason")
    print("  polltransaction ->", json.dumps(body["detail"]))
    # clean up that still-open challenge by approving it
    phone.answer("approve leftover", ch)

    # --- require presence (number matching) ---
    set_presence(base, auth, True)
    try:
        tx, body = trigger("validate/check trigger (presence)")
        mc = body["detail"]["multi_challenge"][0]
        correct = mc.get("presence_answer")
        expect(correct is not None, "validate/check shows presence_answer to the login client", body)
        ch = poll_one("poll presence challenge")
        opts = ch["require_presence"].split(",")
        expect(correct in opts and ch.get("version") == "2", "require_presence options + version 2", ch)
        wrong = next(o for o in opts if o != correct)
        status, body = phone.answer("answer presence wrong", ch, presence=wrong)
        expect(body["result"]["value"] is False, "wrong presence answer -> false", body)
        body = polltx(tx, "polltransaction after wrong presence")
        print("  after wrong presence:", json.dumps(body["result"]), json.dumps(body["detail"]))
        status, body = phone.answer("answer presence missing", ch)
        expect(body["result"]["value"] is False, "missing presence answer -> false", body)
        status, body = phone.answer("answer presence right", ch, presence=correct)
        expect(body["result"]["value"] is True, "right presence answer (after a wrong one) -> true", body)
        body = polltx(tx, "polltransaction after right presence")
        expect(body["detail"]["challenge_status"] == "accept", "accept after presence", body)
        status, body = req("POST", f"{base}/validate/check", "validate/check finalize presence",
                           data={"user": user, "realm": realm, "pass": "", "transaction_id": tx})
        expect(body["result"]["value"] is True, "finalize presence", body)
    finally:
        set_presence(base, auth, False)

    if args.dump:
        Path(args.dump).write_text(json.dumps(LOG, indent=2))
    print("smoke: all push checks passed")
    print("1 passed, 0 failed")


def set_presence(base, auth, on):
    if on:
        req("POST", f"{base}/policy/countersign-push-presence", "set push_require_presence", headers=auth,
            json={"scope": "authentication", "action": "push_require_presence", "active": True})
    else:
        req("DELETE", f"{base}/policy/countersign-push-presence", "delete push_require_presence", headers=auth)


if __name__ == "__main__":
    try:
        main()
    except InvalidSignature:
        print("FAIL: server signature did not verify")
        sys.exit(1)
