#!/usr/bin/env python3
"""The guard with the WAF in blocking mode at paranoia 1 (issue 6), over loopback: an SQL injection gets
the 403 block page carrying the request id the guard sends in X-Request-Id, and the event is in the WAF
log with that id; the site's page, a Chinese form post and a search query are served or passed on.

  guard_block_test.py <waf_guard_harness>
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def request(port, raw):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if length and len(body) >= int(length[0].split(b":")[1]):
                break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    return int(lines[0].split()[1]), headers, body.decode("utf-8", "replace")


def get(target):
    return ("GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\n"
            "Connection: close\r\n\r\n" % target).encode()


def post(target, body, ctype="application/x-www-form-urlencoded"):
    data = body.encode("utf-8")
    return ("POST %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (target, ctype, len(data))
            ).encode() + data


def main():
    failures = []

    def check(what, cond):
        print("%s %s" % ("ok  " if cond else "FAIL", what))
        if not cond:
            failures.append(what)

    work = tempfile.mkdtemp(prefix="sw-waf-guard-")
    events, port_file = os.path.join(work, "events.jsonl"), os.path.join(work, "port")
    proc = subprocess.Popen([sys.argv[1], "--event-log", events, "--port-file", port_file], stdout=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if os.path.exists(port_file) or proc.poll() is not None:
                break
            time.sleep(0.05)
        port = int(open(port_file).read())
        status, _, body = request(port, get("/"))
        check("the site's page is served (200)", status == 200 and body == "ok\n")

        status, headers, body = request(port, get("/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--"))
        rid = headers.get("x-request-id", "")
        check("an SQL injection is blocked with 403", status == 403)
        check("the block page is Chinese with English under it", "请求已被拦截" in body and "Request blocked" in body)
        check("the block page carries the guard's request id", rid != "" and rid in body)
        logged = [json.loads(l) for l in open(events, encoding="utf-8")]
        check("the event is logged with the same request id", any(e["request_id"] == rid and e["action"] == "blocked"
                                                                 for e in logged))

        status, _, _ = request(port, post("/", "content=职工之家活动通知：本周六上午9:00在会议室（三楼）举行，欢迎参加！"))
        check("a Chinese form post passes the WAF (the static site answers 405, not 403)", status == 405)
        status, _, _ = request(port, get("/?q=%E5%8A%B3%E5%8A%A8%E6%B3%95+%E5%8A%A0%E7%8F%AD%E8%B4%B9&page=2"))
        check("a search query passes (200)", status == 200)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
