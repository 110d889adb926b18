#!/usr/bin/env python3
"""The OWASP CRS 3.3.4 regression suite as a test (issue 6; docs/modules/waf.md "The CRS runner").

Reads every YAML test (FTW format) of the suite, sends each stage to a server on loopback, and decides
from that server's WAF log which rule ids fired for the stage, checking `log_contains`,
`no_log_contains`, `status` and `expect_error`. Stages are sent one at a time, so the log lines
written between a stage's request and the next belong to that stage. Targets, in one run:

  nginx    Debian's nginx + libnginx-mod-http-modsecurity + the same CRS with the same configuration
           (the WAF's own rules text, `waf_harness --print-rules`), started here with its own prefix,
           config and PID file on a free loopback port, stopped by PID. Rule ids come from its error
           log (the ModSecurity connector logs each rule message there). After each stage a request for
           a missing marker file is sent: nginx logs that 404 after the stage's own lines.
  guard    the real guard with the sitewarden WAF (src/waf) as its request filter
           (tests/waf/waf_guard_harness), started here; rule ids come from the WAF's JSON event log,
           written before the response is sent.
  waf      the WAF alone behind a small strict test server (tests/waf/waf_harness), the same way.

Both run with the suite's settings (its README): paranoia 4, DetectionOnly, rule 910000 removed,
crs_validate_utf8_encoding=1, arg_name_length=100, arg_length=400.

Reports pass/fail per rule file and in total for each target; with --known-failures, every failure of
the sitewarden target (the guard when given, else the WAF alone) must be listed there (test id and
reason), and that target must pass at least as many stages as nginx. Exit 0 when that holds, 1 otherwise, 2 on a setup error, 77 (skip) when
the suite directory is missing.
"""
import argparse
import base64
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import yaml

STAGE_TIMEOUT = 3.0  # seconds a stage may take to answer (some stages announce a body they never send)
START_TIMEOUT = 300.0  # seconds a server may take to start (compiling the CRS, and the prefilter, on a loaded machine)
NGINX_MODULE = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def header_get(headers, name):
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None


def build_request(inp):
    """The bytes FTW sends for one stage input (FTW 1.x semantics)."""
    if inp.get("encoded_request"):
        return base64.b64decode(inp["encoded_request"])
    if inp.get("raw_request"):
        raw = inp["raw_request"]
        if isinstance(raw, list):
            raw = "\r\n".join(raw)
        try:
            return raw.encode("latin-1")
        except UnicodeEncodeError:
            return raw.encode("utf-8")
    method = str(inp.get("method", "GET"))
    uri = str(inp.get("uri", "/"))
    version = str(inp.get("version", "HTTP/1.1"))
    headers = {str(k): str(v) for k, v in (inp.get("headers") or {}).items()}
    data = inp.get("data", "")
    if data is None:
        data = ""
    if isinstance(data, list):
        data = "\r\n".join(str(x) for x in data)
    data = str(data)
    stop_magic = bool(inp.get("stop_magic", False))
    if data and not stop_magic:
        if header_get(headers, "Content-Type") is None:
            # FTW sends data as a form unless told otherwise.
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        ctype = header_get(headers, "Content-Type") or ""
        # FTW url-encodes form data that is not encoded yet.
        if ctype.lower().startswith("application/x-www-form-urlencoded") and urllib.parse.unquote(data) == data:
            parts = []
            for arg in data.split("&"):
                parts.append("=".join(urllib.parse.quote(x) for x in arg.split("=")))
            data = "&".join(parts)
    body = data.encode("utf-8")
    if body and not stop_magic and header_get(headers, "Content-Length") is None:
        headers["Content-Length"] = str(len(body))
    head = "%s %s %s\r\n" % (method, uri, version)
    for k, v in headers.items():
        head += "%s: %s\r\n" % (k, v)
    head += "\r\n"
    return head.encode("utf-8", "surrogateescape") + body


def send(port, request):
    """Sends one request; (status or None, error text or None)."""
    deadline = time.monotonic() + STAGE_TIMEOUT
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=STAGE_TIMEOUT) as s:
            s.sendall(request)
            buf = b""
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                s.settimeout(left)
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
                end = buf.find(b"\r\n\r\n")
                if end >= 0:
                    m = re.search(rb"\r\ncontent-length:\s*(\d+)", buf[:end + 2], re.I)
                    if m and len(buf) >= end + 4 + int(m.group(1)):
                        break
            m = re.match(rb"HTTP/\d\.\d (\d{3})", buf)
            if m:
                return int(m.group(1)), None
            return None, "no HTTP response" if not buf else "malformed response"
    except (socket.timeout, TimeoutError):
        return None, "timeout"
    except OSError as e:
        return None, str(e)


def load_suite(suite_dir):
    """[(rule file, test id, stage input, stage output)] in a stable order."""
    stages = []
    for path in sorted(glob.glob(os.path.join(suite_dir, "*", "*.yaml"))):
        rule_file = os.path.basename(os.path.dirname(path))
        with open(path, "rb") as f:
            doc = yaml.safe_load(f)
        if not doc or not doc.get("meta", {}).get("enabled", True):
            continue
        for test in doc.get("tests", []):
            title = str(test.get("test_title"))
            test_stages = test.get("stages", [])
            for i, st in enumerate(test_stages):
                stage = st.get("stage", st)
                tid = title if len(test_stages) == 1 else "%s/%d" % (title, i + 1)
                stages.append((rule_file, tid, stage.get("input", {}), stage.get("output", {})))
    return stages


def judge(output, status, error, log_text):
    """(passed, why) for one stage."""
    if error and output.get("expect_error"):
        return True, ""
    why = []
    if "status" in output:
        want = output["status"] if isinstance(output["status"], list) else [output["status"]]
        if status not in [int(x) for x in want]:
            why.append("status %s, expected %s" % (status if status else error, want))
    if output.get("log_contains") and not re.search(str(output["log_contains"]), log_text):
        why.append("log lacks %s" % output["log_contains"])
    if output.get("no_log_contains") and re.search(str(output["no_log_contains"]), log_text):
        why.append("log has %s" % output["no_log_contains"])
    if output.get("expect_error") and not error:
        if not any(k in output for k in ("status", "log_contains", "no_log_contains")):
            why.append("expected an error, got status %s" % status)
    return not why, "; ".join(why)


class LogTail:
    def __init__(self, path):
        self.path = path
        self.pos = 0

    def read_new(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return ""
        self.pos += len(data)
        return data.decode("utf-8", "replace")

    def skip(self):
        self.read_new()


class Target:
    name = ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def wait_port(port, proc, what):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited with %s during start" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s did not listen on 127.0.0.1:%d within %ds" % (what, port, START_TIMEOUT))


class NginxTarget(Target):
    name = "nginx+modsecurity"

    def __init__(self, work, rules_text, nginx="nginx"):
        self.dir = os.path.join(work, "nginx")
        for d in ("html", "tmp", "logs"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        with open(os.path.join(self.dir, "html", "index.html"), "w") as f:
            f.write("ok\n")
        # nginx's workers (user nobody when started as root) must read the page: the work directory
        # from mkdtemp is 0700.
        for path in (work, self.dir, os.path.join(self.dir, "html")):
            os.chmod(path, 0o755)
        os.chmod(os.path.join(self.dir, "html", "index.html"), 0o644)
        with open(os.path.join(self.dir, "modsecurity.conf"), "w") as f:
            f.write(rules_text)
        self.port = free_port()
        self.error_log = os.path.join(self.dir, "logs", "error.log")
        d = self.dir
        conf = f"""load_module {NGINX_MODULE};
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {self.error_log} info;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  client_header_timeout 2s;
  client_body_timeout 2s;
  client_max_body_size 13m;
  server {{
    listen 127.0.0.1:{self.port};
    server_name localhost;
    root {d}/html;
    modsecurity on;
    modsecurity_rules_file {d}/modsecurity.conf;
    error_page 405 =200 $uri;
  }}
}}
"""
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen([nginx, "-p", d, "-c", os.path.join(d, "nginx.conf"), "-e", self.error_log],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "logs", "stderr"), "w"))
        wait_port(self.port, self.proc, "nginx")
        self.log = LogTail(self.error_log)
        self.marker = 0

    def stage_log(self, request):
        self.log.skip()
        status, error = send(self.port, request)
        # The marker's 404 is logged after every line of the stage (one worker, requests in order).
        self.marker += 1
        name = "sw-crs-marker-%d" % self.marker
        send(self.port, ("GET /%s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: sitewarden crs runner\r\n"
                         "Accept: */*\r\nConnection: close\r\n\r\n" % name).encode())
        text = ""
        deadline = time.monotonic() + STAGE_TIMEOUT
        while time.monotonic() < deadline:
            text += self.log.read_new()
            at = text.find('"/%s"' % name)
            if at < 0:
                at = text.find("/%s " % name)
            if at >= 0:
                text = text[:text.rfind("\n", 0, at) + 1]
                break
            time.sleep(0.002)
        lines = [l for l in text.splitlines() if "ModSecurity:" in l]
        return status, error, "\n".join(lines)


class WafTarget(Target):
    def __init__(self, work, command, name):
        self.name = name
        self.dir = os.path.join(work, os.path.basename(command[0]))
        os.makedirs(self.dir, exist_ok=True)
        self.event_log = os.path.join(self.dir, "waf-events.jsonl")
        port_file = os.path.join(self.dir, "port")
        # The suite's settings first, so a --harness-option such as "--paranoia 1" given after them wins.
        self.proc = subprocess.Popen(command[:1] + ["--crs-regression"] + command[1:] +
                                     ["--event-log", self.event_log, "--port-file", port_file],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr"), "w"))
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()  # a harness still compiling its rules must not outlive the runner
                raise RuntimeError("the WAF harness did not start: " + open(os.path.join(self.dir, "stderr")).read())
            time.sleep(0.05)
        self.port = int(open(port_file).read())
        wait_port(self.port, self.proc, "the WAF harness")
        self.log = LogTail(self.event_log)

    def stage_log(self, request):
        self.log.skip()
        status, error = send(self.port, request)
        lines = []
        for line in self.log.read_new().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            for r in event.get("rules", []):
                lines.append('[id "%s"] [msg "%s"] [data "%s"] [severity "%s"]' %
                             (r.get("id"), r.get("message"), r.get("data"), r.get("severity")))
        return status, error, "\n".join(lines)


def run(target, stages, only=None):
    results = []
    for rule_file, tid, inp, out in stages:
        if only and not re.search(only, tid):
            continue
        status, error, log_text = target.stage_log(build_request(inp))
        passed, why = judge(out, status, error, log_text)
        results.append((rule_file, tid, passed, why))
    return results


def summary(name, results):
    per_file = {}
    for rule_file, _, passed, _ in results:
        p, f = per_file.get(rule_file, (0, 0))
        per_file[rule_file] = (p + passed, f + (not passed))
    lines = ["== %s" % name]
    for rule_file in sorted(per_file):
        p, f = per_file[rule_file]
        lines.append("  %-45s pass %4d  fail %3d" % (rule_file, p, f))
    total_pass = sum(p for p, _ in per_file.values())
    lines.append("  %-45s pass %4d  fail %3d  (of %d stages)" % ("TOTAL", total_pass, len(results) - total_pass,
                                                                   len(results)))
    return total_pass, "\n".join(lines)


def read_known(path):
    known = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            tid, _, reason = line.partition(" ")
            known[tid] = reason.strip()
    return known


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suite", required=True, help="the crs-3.3.4-regression directory")
    ap.add_argument("--guard", help="path of tests/waf/waf_guard_harness (built): the guard with the WAF")
    ap.add_argument("--harness", help="path of tests/waf/waf_harness (built): the WAF alone")
    ap.add_argument("--no-nginx", action="store_true", help="run the sitewarden target only")
    ap.add_argument("--known-failures", help="tests/waf/crs_known_failures.txt: check the failures against it")
    ap.add_argument("--only", help="regex on test ids (debugging)")
    ap.add_argument("--report", help="write the per-stage results as JSON here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    ap.add_argument("--harness-option", action="append", default=[],
                    help="an extra option for the sitewarden harness, e.g. --prefilter or --prefilter-check")
    ap.add_argument("--checks-only", action="store_true",
                    help="pass/fail on the check modes' counts alone (--prefilter-check, --trim-check), e.g. at "
                         "another paranoia level than the suite's 4, where its expectations do not hold")
    ap.add_argument("--require-fast-path", action="store_true",
                    help="with --prefilter-check: fail unless the prefilter's fast path (src/waf/modsec_fast.h) "
                         "found some requests clean, so its check cannot pass by not running")
    args = ap.parse_args()

    if not os.path.isdir(args.suite):
        print("crs_runner: the CRS regression suite %s is not there (../shared/corpora)" % args.suite, file=sys.stderr)
        return 77
    stages = load_suite(args.suite)
    if not stages:
        print("crs_runner: no stages under %s" % args.suite, file=sys.stderr)
        return 2
    if not args.guard and not args.harness:
        print("crs_runner: give --guard and/or --harness", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="sw-crs-")
    rules_text = subprocess.run([args.guard or args.harness, "--crs-regression", "--print-rules"], check=True,
                                capture_output=True, text=True).stdout
    primary = "sitewarden guard" if args.guard else "sitewarden waf alone"
    targets, results = [], {}
    try:
        if not args.no_nginx:
            targets.append(NginxTarget(work, rules_text))
        if args.guard:
            targets.append(WafTarget(work, [args.guard] + args.harness_option, "sitewarden guard"))
        if args.harness:
            targets.append(WafTarget(work, [args.harness] + args.harness_option, "sitewarden waf alone"))
        for t in targets:
            started = time.monotonic()
            results[t.name] = run(t, stages, args.only)
            print("crs_runner: %s: %d stages in %.1f s" % (t.name, len(results[t.name]), time.monotonic() - started))
    except RuntimeError as e:
        print("crs_runner: %s" % e, file=sys.stderr)
        return 2
    finally:
        for t in targets:
            t.stop()
        misses, prefilter_passes, fast_passes, text_misses = 0, 0, 0, 0
        for t in targets:
            if isinstance(t, WafTarget):
                with open(os.path.join(t.dir, "stderr"), encoding="utf-8", errors="replace") as f:
                    for line in f:
                        misses += "waf.prefilter_miss" in line
                        prefilter_passes += "waf.prefilter_check_pass" in line
                        fast_passes += "waf.prefilter_check_pass" in line and '"fast_path":"yes"' in line
                        text_misses += "waf.text_miss" in line
        if args.keep:
            print("crs_runner: logs kept in %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)

    passes = {}
    for name, res in results.items():
        passes[name], text = summary(name, res)
        print(text)
    ours = results[primary]
    failures = [(tid, why) for _, tid, passed, why in ours if not passed]
    if args.report:
        with open(args.report, "w") as f:
            json.dump({name: [{"file": r, "test": t, "pass": p, "why": w} for r, t, p, w in res]
                       for name, res in results.items()}, f, indent=1)
    ok = True
    if "--prefilter-check" in args.harness_option:
        print("prefilter check: the prefilter said \"cannot match\" on %d requests; the full engine differed on %d"
              % (prefilter_passes, misses))
        print("fast path: it found %d of those clean without the reduced rule set (its misses are among the %d)"
              % (fast_passes, misses))
        ok = misses == 0
        if args.require_fast_path and fast_passes == 0:
            print("FAIL: the fast path found no request clean: it did not run (waf.fast_path_unavailable in the log?)")
            ok = False
    if "--trim-check" in args.harness_option:
        # The generated CRS text (src/waf/crs_text.h) against the plain Include on every request.
        print("trim check: the generated rule text and the CRS Include differed on %d requests" % text_misses)
        ok = ok and text_misses == 0
    if args.checks_only:
        return 0 if ok else 1
    if NginxTarget.name in passes:
        nginx_fail = {tid for _, tid, p, _ in results[NginxTarget.name] if not p}
        ours_fail = {tid for tid, _ in failures}
        print("failing on nginx only: %s" % " ".join(sorted(nginx_fail - ours_fail)))
        print("failing on %s only: %s" % (primary, " ".join(sorted(ours_fail - nginx_fail))))
        if passes[primary] < passes[NginxTarget.name]:
            print("FAIL: %s passes %d stages, fewer than nginx+ModSecurity's %d" %
                  (primary, passes[primary], passes[NginxTarget.name]))
            ok = False
    if args.known_failures:
        known = read_known(args.known_failures)
        unlisted = [(tid, why) for tid, why in failures if tid not in known]
        for tid, why in unlisted:
            print("FAIL: %s is not in %s: %s" % (tid, args.known_failures, why))
        ok = ok and not unlisted
        fixed = sorted(set(known) - {tid for tid, _ in failures})
        if fixed and not args.only:
            print("note: listed as known failures but passing now: %s" % " ".join(fixed))
    else:
        for tid, why in failures:
            print("failed: %s  %s" % (tid, why))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
