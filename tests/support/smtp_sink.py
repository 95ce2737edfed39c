#!/usr/bin/env python3
"""A real SMTP server for FlowCRM's email tests (aiosmtpd): accepts mail on 127.0.0.1 and
writes each message to DIR as msg-N.json (envelope, headers, decoded text and HTML parts) and
msg-N.eml (the raw bytes). With --cert/--key it offers STARTTLS and requires it; with --auth
USER:PASS it requires AUTH (PLAIN or LOGIN) with that login. --reject CODE refuses every
recipient with that SMTP code. Prints "ready PORT" once listening."""
import argparse, email, email.policy, json, os, ssl, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

p = argparse.ArgumentParser()
p.add_argument("--dir", required=True)
p.add_argument("--port", type=int, default=0)
p.add_argument("--cert")
p.add_argument("--key")
p.add_argument("--auth")
p.add_argument("--reject", type=int)
a = p.parse_args()
os.makedirs(a.dir, exist_ok=True)

class Sink:
    n = 0
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if a.reject:
            return f"{a.reject} 5.1.1 <{address}>: mailbox unavailable (test sink)"
        envelope.rcpt_tos.append(address)
        return "250 OK"
    async def handle_DATA(self, server, session, envelope):
        Sink.n += 1
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        out = {
            "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]), "to": str(msg["To"]), "subject": str(msg["Subject"]),
            "content_type": msg.get_content_type(),
            "text": text.get_content() if text else None,
            "html": html.get_content() if html else None,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
        }
        base = os.path.join(a.dir, f"msg-{Sink.n}")
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        tmp = base + ".json.tmp"
        with open(tmp, "w") as f:
            json.dump(out, f)
        os.replace(tmp, base + ".json")
        return "250 Message accepted for delivery"

def authenticator(server, session, envelope, mechanism, auth_data):
    user, password = a.auth.split(":", 1)
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)

kwargs = {}
if a.cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    kwargs.update(tls_context=ctx, require_starttls=True)
if a.auth:
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(a.cert))
port = a.port
if not port:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
c = Controller(Sink(), hostname="127.0.0.1", port=port, **kwargs)
c.start()
print(f"ready {c.port}", flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    c.stop()
