#!/usr/bin/python3
"""Loopback receivers for the notification tests (issue 7; tests/monitor/notify_test.cc).

  notify_sinks.py smtp OUT_DIR
      a minimal SMTP server on 127.0.0.1 (a kernel-picked port, printed as "PORT <n>" on stdout);
      each message's DATA is written to OUT_DIR/mail-<n>.eml with its envelope in mail-<n>.env.
  notify_sinks.py webhook OUT_DIR SECRET_FILE FAIL_FIRST
      an HTTP server on 127.0.0.1 (port printed the same way); answers 500 to the first FAIL_FIRST
      POSTs (-1: always), then 200; each accepted POST is written to OUT_DIR/hook-<n>.json with
      "signature ok" or "signature BAD" (HMAC-SHA256 of the body with the secret) in hook-<n>.sig and
      its X-Sitewarden-Delivery header in hook-<n>.id.

Both run until killed (the test stops them by PID).
"""
import hashlib
import hmac
import http.server
import os
import socketserver
import sys


def serve_smtp(out_dir):
    count = [0]

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line):
            self.wfile.write((line + "\r\n").encode())
            self.wfile.flush()

        def handle(self):
            self.reply("220 sink ESMTP")
            env = []
            while True:
                line = self.rfile.readline(65536)
                if not line:
                    return
                cmd = line.decode("utf-8", "replace").rstrip("\r\n")
                upper = cmd.upper()
                if upper.startswith("EHLO"):
                    self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                    self.wfile.flush()
                elif upper.startswith("HELO"):
                    self.reply("250 sink")
                elif upper.startswith("MAIL FROM:") or upper.startswith("RCPT TO:"):
                    env.append(cmd)
                    self.reply("250 ok")
                elif upper == "DATA":
                    self.reply("354 go ahead")
                    data = []
                    while True:
                        l = self.rfile.readline(1 << 20)
                        if not l or l in (b".\r\n", b".\n"):
                            break
                        data.append(l[1:] if l.startswith(b"..") else l)
                    count[0] += 1
                    n = count[0]
                    with open(os.path.join(out_dir, "mail-%d.env" % n), "w") as f:
                        f.write("\n".join(env) + "\n")
                    with open(os.path.join(out_dir, "mail-%d.eml.tmp" % n), "wb") as f:
                        f.write(b"".join(data))
                    os.rename(os.path.join(out_dir, "mail-%d.eml.tmp" % n), os.path.join(out_dir, "mail-%d.eml" % n))
                    env = []
                    self.reply("250 queued")
                elif upper in ("RSET", "NOOP"):
                    env = [] if upper == "RSET" else env
                    self.reply("250 ok")
                elif upper == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


def serve_webhook(out_dir, secret_file, fail_first):
    secret = open(secret_file).readline().rstrip("\r\n ").encode()
    state = {"posts": 0, "accepted": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state["posts"] += 1
            if fail_first < 0 or state["posts"] <= fail_first:
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            state["accepted"] += 1
            n = state["accepted"]
            want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            got = self.headers.get("X-Sitewarden-Signature", "")
            with open(os.path.join(out_dir, "hook-%d.sig" % n), "w") as f:
                f.write("signature ok\n" if hmac.compare_digest(want, got) else "signature BAD\n")
            with open(os.path.join(out_dir, "hook-%d.id" % n), "w") as f:
                f.write(self.headers.get("X-Sitewarden-Delivery", "") + "\n")
            with open(os.path.join(out_dir, "hook-%d.json.tmp" % n), "wb") as f:
                f.write(body)
            os.rename(os.path.join(out_dir, "hook-%d.json.tmp" % n), os.path.join(out_dir, "hook-%d.json" % n))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "smtp":
        serve_smtp(sys.argv[2])
    else:
        serve_webhook(sys.argv[2], sys.argv[3], int(sys.argv[4]))
