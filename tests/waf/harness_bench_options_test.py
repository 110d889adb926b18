#!/usr/bin/env python3
"""The options bench/waf_bench.sh gives waf_guard_harness (issue 6): --site-dir serves every file of a
directory, --threads sets the guard's event threads, --no-waf leaves the WAF out — so the benchmark's
"guard" and "guard+waf" serve the same bytes and differ only by the WAF.

  harness_bench_options_test.py <waf_guard_harness>
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ATTACK = "/?comment=%3Cscript%3Ealert(document.cookie)%3C/script%3E"


def status_and_body(port, target):
    raw = ("GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\n"
           "Connection: close\r\n\r\n" % target).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            length = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if sep and length and len(body) >= int(length[0].split(b":")[1]):
                break
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def start(harness, work, name, options):
    port_file = os.path.join(work, name + ".port")
    proc = subprocess.Popen([harness, "--port-file", port_file] + options,
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, name + ".err"), "w"))
    deadline = time.monotonic() + 30
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("%s did not start: %s" % (name, open(os.path.join(work, name + ".err")).read()))
        time.sleep(0.05)
    return proc, int(open(port_file).read())


def stop(proc):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def main():
    harness = sys.argv[1]
    work = tempfile.mkdtemp(prefix="sw-waf-bench-options-")
    site = os.path.join(work, "www")
    os.makedirs(os.path.join(site, "p", "007"))
    page = "<!doctype html><p>工会新闻 第7期</p>\n".encode("utf-8")
    open(os.path.join(site, "index.html"), "wb").write(b"<p>index</p>\n")
    open(os.path.join(site, "p", "007", "index.html"), "wb").write(page)
    failures = []
    procs = []
    try:
        plain, plain_port = start(harness, work, "plain", ["--site-dir", site, "--threads", "2", "--no-waf"])
        procs.append(plain)
        waf, waf_port = start(harness, work, "waf", ["--site-dir", site, "--threads", "2", "--paranoia", "1"])
        procs.append(waf)
        for name, port in (("no-waf", plain_port), ("waf", waf_port)):
            status, body = status_and_body(port, "/p/007/")
            if status != 200 or body != page:
                failures.append("%s: /p/007/ answered %d with %r, expected 200 with the file" % (name, status, body[:60]))
        status, _ = status_and_body(plain_port, ATTACK)
        if status != 200:
            failures.append("no-waf: the XSS probe answered %d, expected 200 (no WAF)" % status)
        status, _ = status_and_body(waf_port, ATTACK)
        if status != 403:
            failures.append("waf: the XSS probe answered %d, expected 403" % status)
        status, _ = status_and_body(waf_port, "/missing.html")
        if status != 404:
            failures.append("waf: a file outside the directory answered %d, expected 404" % status)
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    print("harness bench options: %s" % ("ok" if not failures else "%d failures" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
