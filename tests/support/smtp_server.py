"""A real SMTP server for creditwatch's tests (aiosmtpd), writing every accepted message
to a folder as NNN.eml. Prints "READY <port>" once listening; exits when stdin closes.

Options: --tls none|starttls|implicit (with --cert/--key), --user/--password to require
AUTH, --data-replies 451,421 to refuse the first DATA commands with those codes,
--hold FILE to wait after DATA, before the final reply, until FILE exists."""

import argparse
import asyncio
import os
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REPLIES = {
    "451": "451 4.3.0 Try again later",
    "421": "421 4.3.2 Shutting down, try again later",
    "550": "550 5.1.1 No such mailbox",
}

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True)
parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--user")
parser.add_argument("--password")
parser.add_argument("--data-replies", default="")
parser.add_argument("--hold")
args = parser.parse_args()


class Handler:
    def __init__(self):
        self.replies = [r for r in args.data_replies.split(",") if r]
        self.count = len([n for n in os.listdir(args.dir) if n.endswith(".eml")])

    async def handle_DATA(self, server, session, envelope):
        if args.hold:
            with open(args.hold + ".reached", "w") as f:
                f.write("data")
            while not os.path.exists(args.hold):
                await asyncio.sleep(0.05)
        if self.replies:
            return REPLIES[self.replies.pop(0)]
        self.count += 1
        path = os.path.join(args.dir, "%03d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == args.user
        and auth_data.password.decode() == args.password
    )
    return AuthResult(success=ok, handled=False)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


context = None
if args.tls != "none":
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

kwargs = {}
if args.user:
    kwargs["authenticator"] = authenticator
    kwargs["auth_required"] = True
    # aiosmtpd only counts STARTTLS as TLS; an implicit-TLS connection is encrypted from
    # the first byte, so AUTH is allowed there too.
    kwargs["auth_require_tls"] = args.tls == "starttls"
if args.tls == "starttls":
    kwargs["tls_context"] = context
    kwargs["require_starttls"] = True

port = free_port()
controller = Controller(
    Handler(),
    hostname="127.0.0.1",
    port=port,
    ssl_context=context if args.tls == "implicit" else None,
    server_hostname="localhost",
    **kwargs,
)
controller.start()
print("READY %d" % port, flush=True)
sys.stdin.read()
controller.stop()
