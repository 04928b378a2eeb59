#!/usr/bin/env python3
"""The benchmark of issue #13 (run by scripts/bench, which installs the tools, builds azmc and
the wrk shim, and provides a throwaway PostgreSQL cluster). Python 3 standard library only.

Parts (--only picks one; default: all):
  keepalive   azmc and nginx serve the same List Locations body with the same RSA-2048 client
              certificate and ECDSA P-256 server certificates; in alternating rounds: wrk
              keep-alive (50 connections, 2 threads, --latency) with the server's CPU per
              request (/proc/PID/stat utime+stime of its processes), and new connections with
              session resumption (wrk, Connection: close);
  handshake   in the same rounds: full TLS 1.3 handshakes with the client certificate
              (openssl s_time -new) and the server's CPU per handshake;
  scale       `cargo bench -p azmc-server --bench api` with AZMC_BENCH_LINKS (100,000 links);
  revocation  two azmc nodes on one PostgreSQL database: a management certificate deleted on
              node 1 while node 2 serves it in a tight loop; the time from node 1's 200 to
              node 2's first 403.

Prints figures and a table; exits 1 with a one-line message when something is wrong (a
server answers other than 200, the client certificate was not presented, a server did not
start). Speed is never a failure.
"""

import argparse
import base64
import hashlib
import http.client
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time

VERSION = "2014-06-01"
THROTTLE_FLAGS = [
    "--throttle-read-rate", "1000000", "--throttle-read-burst", "1000000",
    "--throttle-write-rate", "1000000", "--throttle-write-burst", "1000000",
]
CONNECTIONS = 50
THREADS = 2
# The goals for azmc (informational: nothing fails on speed).
GOAL_KEEPALIVE_RATIO = 0.8
GOAL_CPU_PER_REQUEST_US = 18.0
GOAL_P99_MS = 5.0
GOAL_HANDSHAKE_CPU_MS = 0.3
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Failure(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, check=False, **kw)


def fmt_int(x):
    return f"{x:,.0f}"


# ---------------------------------------------------------------------------------------
# Processes


class Procs:
    """Every process this helper starts; all stopped at the end, also on a signal."""

    def __init__(self):
        self.procs = []

    def start(self, args, log_path, env=None):
        with open(log_path, "ab") as logf:
            p = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT, env=env,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for p in reversed(self.procs):
            self.stop(p)


def cpu_ticks(pids):
    """utime + stime (clock ticks) of the processes, all their threads included."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


def children(pid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(d))
    return kids


def wait_port(port, proc, name, log_path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failure(f"{name} exited ({proc.returncode}) while starting: {tail(log_path)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise Failure(f"{name} did not listen on 127.0.0.1:{port} within {timeout} s")


def tail(path, n=3):
    try:
        with open(path, errors="replace") as f:
            lines = [ln.strip() for ln in f if ln.strip()]
        return " | ".join(lines[-n:])
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------------------------------
# azmc


class Azmc:
    def __init__(self, bench, name, database_url=None, env=None):
        self.bench = bench
        self.name = name
        self.data = os.path.join(bench.tmp, name)
        self.log_path = os.path.join(bench.tmp, f"{name}.log")
        self.port = free_port()
        self.portal_port = free_port()
        self.database_url = database_url
        self.env = dict(os.environ)
        self.env.pop("AZMC_DATABASE_URL", None)
        self.env["AZMC_LOG"] = "warn"
        self.env.update(env or {})
        self.proc = None
        self.sub = None

    def start(self):
        os.makedirs(self.data, exist_ok=True)
        args = [self.bench.binary, "serve", "--data-dir", self.data,
                "--api-listen", f"127.0.0.1:{self.port}",
                "--portal-listen", f"127.0.0.1:{self.portal_port}"] + THROTTLE_FLAGS
        if self.database_url:
            args += ["--database-url", self.database_url]
        self.proc = self.bench.procs.start(args, self.log_path, env=self.env)
        deadline = time.monotonic() + 120
        while True:
            with open(self.log_path, errors="replace") as f:
                text = f.read()
            m = re.search(r"Publish settings for subscription ([0-9a-f-]+):", text)
            if m:
                self.sub = m.group(1)
            if "API listening on" in text:
                return
            if self.proc.poll() is not None:
                raise Failure(f"{self.name} exited ({self.proc.returncode}) while starting: "
                              f"{tail(self.log_path)}")
            if time.monotonic() > deadline:
                raise Failure(f"{self.name} did not start within 120 s")
            time.sleep(0.05)

    def pids(self):
        return [self.proc.pid]

    def extract_bootstrap(self, pem):
        r = run([self.bench.binary, "-q", "publishsettings", "extract",
                 os.path.join(self.data, "bootstrap.publishsettings"), "--out", pem])
        if r.returncode != 0:
            raise Failure(f"azmc publishsettings extract failed: {r.stderr.strip()}")


# ---------------------------------------------------------------------------------------
# nginx


NGINX_CONF = """\
# nginx for scripts/bench: the same body, certificate types and TLS settings as azmc.
worker_processes {workers};
daemon off;
master_process on;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  server_tokens off;
  client_body_temp_path {dir}/tmp/body;
  proxy_temp_path {dir}/tmp/proxy;
  fastcgi_temp_path {dir}/tmp/fastcgi;
  uwsgi_temp_path {dir}/tmp/uwsgi;
  scgi_temp_path {dir}/tmp/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  open_file_cache max=16 inactive=600s;
  open_file_cache_valid 600s;
  etag off;
  # Authorised by the client certificate's SHA-1 thumbprint, as azmc authorises the
  # subscription's management certificate; anything else (no certificate) is 403.
  map $ssl_client_fingerprint $bench_allowed {{ {fingerprint} 1; default 0; }}
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {dir}/server-chain.pem;
    ssl_certificate_key {dir}/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    # Ask for a client certificate and check that its holder has the key (the handshake's
    # CertificateVerify), without a chain check: what azmc's listener does.
    ssl_verify_client optional_no_ca;
    ssl_session_cache shared:bench:10m;
    ssl_session_tickets on;
    root {dir}/www;
    types {{ }}
    default_type "application/xml; charset=utf-8";
    location / {{
      if ($bench_allowed = 0) {{ return 403; }}
      add_header Cache-Control no-cache always;
      add_header x-ms-request-id $request_id always;
    }}
  }}
}}
"""


class Nginx:
    name = "nginx"

    def __init__(self, bench):
        self.bench = bench
        self.dir = os.path.join(bench.tmp, "nginx")
        self.log_path = os.path.join(self.dir, "stdout.log")
        self.port = free_port()
        self.proc = None
        self.workers = []

    def prepare(self, sub, body, fingerprint):
        d = self.dir
        os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
        os.makedirs(os.path.join(d, "www", sub), exist_ok=True)
        # The workers run as an unprivileged user when nginx starts as root: they read the
        # body, so its folders are reachable (the keys stay 0600, read by the master).
        for p in (self.bench.tmp, d):
            os.chmod(p, 0o711)
        for p in (os.path.join(d, "www"), os.path.join(d, "www", sub)):
            os.chmod(p, 0o755)
        with open(os.path.join(d, "www", sub, "locations"), "wb") as f:
            f.write(body)
        # ECDSA P-256 server certificate issued by a CA of its own, sent with the CA as azmc
        # sends its local CA.
        key_opts = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        steps = [
            ["openssl", "req", "-x509"] + key_opts + [
                "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem", "-days", "2",
                "-subj", "/CN=scripts-bench nginx CA"],
            ["openssl", "req"] + key_opts + [
                "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr", "-subj", "/CN=localhost"],
            ["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.pem",
             "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "2",
             "-extfile", f"{d}/ext.cnf", "-out", f"{d}/server.pem"],
        ]
        with open(f"{d}/ext.cnf", "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
        for args in steps:
            r = run(args)
            if r.returncode != 0:
                raise Failure(f"openssl failed making nginx's certificate: {r.stderr.strip()}")
        with open(f"{d}/server-chain.pem", "w") as out:
            for name in ("server.pem", "ca.pem"):
                with open(f"{d}/{name}") as f:
                    out.write(f.read())
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(NGINX_CONF.format(workers=os.cpu_count() or 2, dir=d, port=self.port,
                                      fingerprint=fingerprint))

    def start(self):
        args = ["nginx", "-c", f"{self.dir}/nginx.conf", "-p", self.dir,
                "-e", f"{self.dir}/error.log"]
        r = run(args + ["-t"])
        if r.returncode != 0:
            raise Failure(f"nginx -t failed: {r.stderr.strip().splitlines()[-1]}")
        self.proc = self.bench.procs.start(args, self.log_path)
        wait_port(self.port, self.proc, "nginx", f"{self.dir}/error.log")
        deadline = time.monotonic() + 10
        while len(self.workers) < (os.cpu_count() or 2) and time.monotonic() < deadline:
            time.sleep(0.05)
            self.workers = children(self.proc.pid)
        if not self.workers:
            raise Failure("nginx started no worker process")

    def pids(self):
        return [self.proc.pid] + self.workers


# ---------------------------------------------------------------------------------------
# Clients


def https(port, ca, cert=None, key=None, timeout=10):
    ctx = ssl.create_default_context(cafile=ca)
    if ca is None:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=timeout)


def request(conn, method, path, body=None):
    headers = {"x-ms-version": VERSION}
    if body is not None:
        headers["Content-Type"] = "application/xml"
    conn.request(method, path, body, headers)
    r = conn.getresponse()
    return r.status, r.getheaders(), r.read()


def parse_wrk(out):
    def num(pattern, default=None):
        m = re.search(pattern, out)
        return float(m.group(1).replace(",", "")) if m else default

    def latency(label):
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", out)
    if not m:
        raise Failure(f"unexpected wrk output: {out.strip()[-200:]}")
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": int(m.group(1)),
        "rate": num(r"Requests/sec:\s+([\d.]+)", 0.0),
        "p99_ms": latency("99%"),
        "non2xx": int(num(r"Non-2xx or 3xx responses: (\d+)", 0)),
        "socket_errors": sum(int(x) for x in errs.groups()) if errs else 0,
    }


# ---------------------------------------------------------------------------------------
# The benchmark


class Bench:
    def __init__(self, a):
        self.a = a
        self.binary = a.binary
        self.tmp = a.tmp
        self.procs = Procs()
        self.cert = os.path.join(self.tmp, "client.pem")  # certificate and key, PEM
        self.sub = None
        self.path = None
        self.results = {}  # (server, case) -> [values per round]
        self.notes = []
        self.lines = []  # extra report lines (scale, revocation)
        self.body = b""

    # -- setup ------------------------------------------------------------------------

    def wrk(self, server, seconds, extra=(), latency=True, shim=True):
        stats = os.path.join(self.tmp, "shim-stats")
        if os.path.exists(stats):
            os.unlink(stats)
        env = dict(os.environ)
        if shim:
            env.update({"LD_PRELOAD": self.a.shim, "WRK_CLIENT_CERT": self.cert,
                        "WRK_CLIENT_KEY": self.cert, "WRK_SHIM_STATS": stats})
        args = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s",
                "-H", f"x-ms-version: {VERSION}"] + list(extra)
        if latency:
            args.append("--latency")
        args.append(f"https://127.0.0.1:{server.port}{self.path}")
        r = run(args, env=env)
        if r.returncode != 0:
            raise Failure(f"wrk against {server.name} failed: {(r.stderr or r.stdout).strip()}")
        res = parse_wrk(r.stdout)
        res["handshakes"] = res["resumed"] = None
        if shim and os.path.exists(stats):
            with open(stats) as f:
                m = re.search(r"handshakes (\d+) resumed (\d+)", f.read())
            if m:
                res["handshakes"], res["resumed"] = int(m.group(1)), int(m.group(2))
        return res

    def check_shim(self):
        """wrk presents the certificate through the shim: all 200 (403 without it)."""
        for server in (self.nginx, self.azmc):
            res = self.wrk(server, 1, latency=False)
            if res["requests"] == 0 or res["non2xx"] != 0:
                raise Failure(f"wrk with the shim got {res['non2xx']} non-2xx answers of "
                              f"{res['requests']} from {server.name}: the client certificate "
                              f"was not presented")
        res = self.wrk(self.azmc, 1, latency=False, shim=False)
        if res["requests"] and res["non2xx"] != res["requests"]:
            raise Failure("azmc served wrk without the shim's client certificate")
        log("bench: wrk presents the client certificate through the shim (all 200; without "
            "the shim azmc answers 403)")

    def setup_servers(self):
        self.azmc = Azmc(self, "azmc")
        self.azmc.start()
        if not self.azmc.sub:
            raise Failure("azmc named no subscription at its first start")
        self.sub = self.azmc.sub
        self.path = f"/{self.sub}/locations"
        self.azmc.extract_bootstrap(self.cert)
        ca = os.path.join(self.azmc.data, "ca.pem")
        text = run(["openssl", "x509", "-in", self.cert, "-noout", "-text"]).stdout
        if "Public-Key: (2048 bit)" not in text or "rsaEncryption" not in text:
            # The bootstrap certificate is of another kind: an RSA-2048 one, added with it.
            rsa = os.path.join(self.tmp, "client-rsa.pem")
            make_rsa_certificate(rsa, rsa, "scripts-bench client")
            body, _ = subscription_certificate(rsa)
            c = https(self.azmc.port, ca, self.cert)
            status, _, text = request(c, "POST", f"/{self.sub}/certificates", body)
            c.close()
            if status not in (200, 201):
                raise Failure(f"azmc answered {status} to adding an RSA-2048 certificate")
            self.cert = rsa
            log("bench: the bootstrap certificate is not RSA-2048: added an RSA-2048 one")
        c = https(self.azmc.port, ca, self.cert)
        status, headers, body = request(c, "GET", self.path)
        c.close()
        if status != 200:
            raise Failure(f"azmc answered List Locations with {status}")
        self.body = body
        self.azmc_headers = headers
        c = https(self.azmc.port, ca)
        status, _, _ = request(c, "GET", self.path)
        c.close()
        if status != 403:
            raise Failure(f"azmc answered {status} to a request without a client certificate "
                          f"(expected 403)")
        der = run_bytes(["openssl", "x509", "-in", self.cert, "-outform", "DER"])
        fingerprint = hashlib.sha1(der).hexdigest()

        self.nginx = Nginx(self)
        self.nginx.prepare(self.sub, body, fingerprint)
        self.nginx.start()
        c = https(self.nginx.port, None, self.cert)
        status, nginx_headers, nbody = request(c, "GET", self.path)
        c.close()
        if status != 200 or nbody != body:
            raise Failure(f"nginx answered {status} ({len(nbody)} bytes) to List Locations")
        c = https(self.nginx.port, None)
        status, _, _ = request(c, "GET", self.path)
        c.close()
        if status != 403:
            raise Failure(f"nginx answered {status} without a client certificate (expected 403)")

        for server, hdrs in ((self.nginx, nginx_headers), (self.azmc, self.azmc_headers)):
            hbytes = sum(len(k) + len(v) + 4 for k, v in hdrs)
            tls = run(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}",
                       "-cert", self.cert, "-key", self.cert], input="")
            proto = re.search(r"New, (\S+), Cipher is (\S+)", tls.stdout)
            group = re.search(r"Server Temp Key: ([^\n]+)", tls.stdout)
            sig = re.search(r"Peer signature type: (\S+)", tls.stdout)
            log(f"bench: {server.name}: 200 with a {len(body):,}-byte body and "
                f"{hbytes} bytes of headers ({', '.join(k for k, _ in hdrs)}); "
                f"{proto.group(1) if proto else '?'} {proto.group(2) if proto else '?'}, "
                f"{group.group(1) if group else '?'}, server key "
                f"{sig.group(1) if sig else '?'}; 403 without a client certificate")

    # -- the rounds -------------------------------------------------------------------

    def record(self, server, case, value):
        self.results.setdefault((server.name, case), []).append(value)

    def measure_keepalive(self, server, seconds):
        pids = server.pids()
        c0 = cpu_ticks(pids)
        res = self.wrk(server, seconds)
        c1 = cpu_ticks(pids)
        self.check_wrk(server, res, "keep-alive")
        cpu_us = (c1 - c0) / CLK_TCK / res["requests"] * 1e6
        self.record(server, "ka_rate", res["rate"])
        self.record(server, "ka_cpu_us", cpu_us)
        self.record(server, "ka_p99_ms", res["p99_ms"])
        return (f"keep-alive {fmt_int(res['rate'])} req/s, {cpu_us:.1f} µs CPU/request, "
                f"p99 {res['p99_ms']:.2f} ms" + errors_note(res))

    def measure_handshake(self, server, seconds):
        pids = server.pids()
        c0 = cpu_ticks(pids)
        t0 = time.monotonic()
        r = run(["openssl", "s_time", "-connect", f"127.0.0.1:{server.port}", "-new", "-tls1_3",
                 "-cert", self.cert, "-key", self.cert, "-time", str(seconds)])
        elapsed = time.monotonic() - t0
        c1 = cpu_ticks(pids)
        m = re.search(r"(\d+) connections in [\d.]+ real seconds", r.stdout)
        if r.returncode != 0 or not m or int(m.group(1)) == 0:
            raise Failure(f"openssl s_time against {server.name} made no connection: "
                          f"{(r.stderr or r.stdout).strip()[-200:]}")
        n = int(m.group(1))
        cpu_ms = (c1 - c0) / CLK_TCK / n * 1e3
        self.record(server, "hs_cpu_ms", cpu_ms)
        self.record(server, "hs_rate", n / elapsed)
        return f"full handshakes {fmt_int(n / elapsed)}/s, {cpu_ms:.3f} ms CPU each"

    def measure_resumption(self, server, seconds):
        pids = server.pids()
        c0 = cpu_ticks(pids)
        res = self.wrk(server, seconds, extra=["-H", "Connection: close"], latency=False)
        c1 = cpu_ticks(pids)
        self.check_wrk(server, res, "Connection: close")
        cpu_us = (c1 - c0) / CLK_TCK / res["requests"] * 1e6
        self.record(server, "res_rate", res["rate"])
        self.record(server, "res_cpu_us", cpu_us)
        share = ""
        if res["handshakes"]:
            pct = 100.0 * res["resumed"] / res["handshakes"]
            self.record(server, "res_share", pct)
            share = f", {pct:.0f}% of {fmt_int(res['handshakes'])} handshakes resumed"
        return (f"Connection: close {fmt_int(res['rate'])} conn/s, {cpu_us:.0f} µs CPU each"
                + share + errors_note(res))

    def check_wrk(self, server, res, what):
        if res["requests"] == 0:
            raise Failure(f"wrk ({what}) completed no request against {server.name}")
        if res["non2xx"]:
            raise Failure(f"{server.name} answered {res['non2xx']} of {res['requests']} "
                          f"requests ({what}) with other than 2xx")

    def rounds(self, cases):
        a = self.a
        # Warm-up: both servers, two seconds each.
        if "keepalive" in cases:
            self.check_shim()
        for server in (self.nginx, self.azmc):
            if "keepalive" in cases:
                self.wrk(server, 2, latency=False)
            else:
                self.measure_handshake(server, 2)
                for key in ("hs_cpu_ms", "hs_rate"):
                    self.results[(server.name, key)].pop()
        for rnd in range(a.rounds):
            order = (self.nginx, self.azmc) if rnd % 2 == 0 else (self.azmc, self.nginx)
            for server in order:
                parts = []
                if "keepalive" in cases:
                    parts.append(self.measure_keepalive(server, a.seconds))
                if "handshake" in cases:
                    parts.append(self.measure_handshake(server, a.seconds))
                if "keepalive" in cases:
                    parts.append(self.measure_resumption(server, a.seconds))
                log(f"bench: round {rnd + 1}/{a.rounds} {server.name}: " + "; ".join(parts))

    # -- scale ------------------------------------------------------------------------

    def scale(self):
        env = dict(os.environ)
        env["AZMC_BENCH_LINKS"] = str(self.a.links)
        env["AZMC_BENCH_CYCLES"] = str(self.a.cycles)
        log(f"bench: scale: cargo bench -p azmc-server --bench api with {self.a.links:,} links, "
            f"{self.a.cycles:,} cycles")
        logp = os.path.join(self.tmp, "scale.log")
        with open(logp, "w") as errf:
            r = subprocess.run(["cargo", "bench", "--locked", "-p", "azmc-server", "--bench",
                                "api"], stdout=subprocess.PIPE, stderr=errf, text=True,
                               env=env, cwd=self.a.root, check=False)
        if r.returncode != 0:
            raise Failure(f"the scale benchmark failed: {tail(logp)}")
        out = r.stdout
        i = out.find("azmc-server scale benchmark")
        if i < 0:
            raise Failure("the scale benchmark printed no figures")
        self.lines.append(("scale", [ln for ln in out[i:].splitlines() if ln.strip()]))

    # -- revocation -------------------------------------------------------------------

    def revocation(self):
        url = os.environ.get("PG_URL")
        if not url:
            raise Failure("no PostgreSQL for the revocation figure (PG_URL unset)")
        node1 = Azmc(self, "node1", database_url=url)
        node1.start()
        node2 = Azmc(self, "node2", database_url=url,
                     env={"AZMC_KEK_FILE": os.path.join(node1.data, "kek")})
        node2.start()
        sub = node1.sub
        if not sub:
            raise Failure("node 1 named no subscription at its first start")
        admin_pem = os.path.join(self.tmp, "node1-admin.pem")
        node1.extract_bootstrap(admin_pem)
        ca = os.path.join(node1.data, "ca.pem")
        cert2 = os.path.join(self.tmp, "revoked.pem")
        key2 = os.path.join(self.tmp, "revoked.key")
        make_rsa_certificate(cert2, key2, "scripts-bench revocation")
        body, thumb = subscription_certificate(cert2)
        path = f"/{sub}/locations"
        admin = https(node1.port, ca, admin_pem)
        log(f"bench: revocation: two nodes on one PostgreSQL database, "
            f"{self.a.revocations} repetitions")

        times, served_after, adds, deletes = [], [], [], []
        asked, asking = 0, 0.0
        for rep in range(self.a.revocations):
            status, _, text = request(admin, "POST", f"/{sub}/certificates", body)
            t_added = time.monotonic()
            if status not in (200, 201):
                raise Failure(f"node 1 answered {status} to Add Management Certificate: "
                              f"{text[:200]!r}")
            # Node 2 serves the new certificate (the addition travels the same way).
            c2 = https(node2.port, ca, cert2, key2)
            deadline = t_added + 10
            while True:
                status, _, _ = request(c2, "GET", path)
                if status == 200:
                    adds.append(time.monotonic() - t_added)
                    break
                if status != 403 or time.monotonic() > deadline:
                    raise Failure(f"node 2 answered {status} to the added certificate")
            answers = []
            stop = threading.Event()

            def loop():
                while not stop.is_set():
                    t0 = time.monotonic()
                    try:
                        st, _, _ = request(c2, "GET", path)
                    except (OSError, http.client.HTTPException) as e:
                        st = f"a connection error ({e})"
                    answers.append((t0, time.monotonic(), st))
                    if st != 200:
                        return

            th = threading.Thread(target=loop)
            th.start()
            time.sleep(0.2)
            t_sent = time.monotonic()
            status, _, text = request(admin, "DELETE", f"/{sub}/certificates/{thumb}")
            t_deleted = time.monotonic()
            deletes.append((t_sent, t_deleted))
            if status != 200:
                stop.set()
                th.join()
                raise Failure(f"node 1 answered {status} to Delete Management Certificate")
            th.join(timeout=10)
            stop.set()
            th.join()
            c2.close()
            asked += len(answers)
            asking += answers[-1][1] - answers[0][0]
            refused = [a for a in answers if a[2] != 200]
            if not refused:
                raise Failure("node 2 still served the deleted certificate 10 s after node 1's "
                              "200")
            if refused[0][2] != 403:
                raise Failure(f"node 2 answered {refused[0][2]} to the deleted certificate")
            times.append((refused[0][1] - t_deleted, refused[0][1] - t_sent))
            served_after.append(sum(1 for a in answers if a[2] == 200 and a[0] >= t_deleted))
        admin.close()
        loop_rate = asked / max(asking, 1e-9)
        ms = [t[0] * 1000 for t in times]
        from_sent = [t[1] * 1000 for t in times]
        delete_ms = [(b - a) * 1000 for a, b in deletes]
        self.lines.append(("revocation", [
            f"cross-node revocation (two azmc nodes, one PostgreSQL database, "
            f"{len(ms)} repetitions): node 2's first 403 came "
            f"{statistics.median(ms):.1f} ms (median) / {max(ms):.1f} ms (max) after node 1's "
            f"200 to the DELETE (min {min(ms):.1f} ms"
            + ("; negative: before node 1's answer arrived)" if min(ms) < 0 else ")"),
            f"node 1 answered the DELETE in {statistics.median(delete_ms):.1f} ms (median); "
            f"from sending it to node 2's first 403: {statistics.median(from_sent):.1f} ms "
            f"(median) / {max(from_sent):.1f} ms (max)",
            f"requests node 2 served that were sent after node 1's 200: median "
            f"{statistics.median(served_after):.0f}, max {max(served_after)} (node 2 was asked "
            f"about {loop_rate:,.0f} times a second on one keep-alive connection)",
            f"the addition, the same way: node 2 served the new certificate "
            f"{statistics.median(adds) * 1000:.1f} ms (median) / {max(adds) * 1000:.1f} ms "
            f"(max) after node 1's answer",
        ]))
        self.procs.stop(node2.proc)
        self.procs.stop(node1.proc)

    # -- the report -------------------------------------------------------------------

    def median(self, server, case):
        v = [x for x in self.results.get((server, case), []) if x is not None]
        return statistics.median(v) if v else None

    def ratios(self, case):
        n = self.results.get(("nginx", case), [])
        z = self.results.get(("azmc", case), [])
        return [b / a for a, b in zip(n, z) if a and b]

    def report(self, machine):
        out = []
        add = out.append
        add("")
        add("=" * 78)
        add("scripts/bench: azmc against nginx")
        add(machine)
        if self.results:
            a = self.a
            add(f"{a.rounds} round{'s' if a.rounds != 1 else ''} (alternating order), "
                f"{a.seconds} s per measurement; wrk "
                f"{THREADS} threads, {CONNECTIONS} connections; medians over the rounds")
            add("")
            rows = [
                ("ka_rate", f"keep-alive, {CONNECTIONS} connections, TLS 1.3, "
                 f"{len(self.body):,}-byte List Locations body (req/s)", lambda x: fmt_int(x)),
                ("ka_cpu_us", "server CPU per keep-alive request (µs)", lambda x: f"{x:.1f}"),
                ("ka_p99_ms", "p99 keep-alive latency (ms)", lambda x: f"{x:.2f}"),
                ("hs_cpu_ms", "server CPU per full TLS 1.3 handshake with client certificate, "
                 "openssl s_time -new (ms)", lambda x: f"{x:.3f}"),
                ("hs_rate", "full handshakes per second (s_time, one client)",
                 lambda x: fmt_int(x)),
                ("res_rate", "new connections with resumption (wrk, Connection: close) per "
                 "second", lambda x: fmt_int(x)),
                ("res_cpu_us", "server CPU per resumed connection and request (µs)",
                 lambda x: f"{x:.0f}"),
                ("res_share", "handshakes resumed (%)", lambda x: f"{x:.0f}"),
            ]
            ver = nginx_version()
            add(f"| case | {ver} + OpenSSL {openssl_version()} | azmc | azmc/nginx "
                f"(per-round range) |")
            add("|---|---|---|---|")
            for key, label, f in rows:
                n, z = self.median("nginx", key), self.median("azmc", key)
                if n is None and z is None:
                    continue
                r = self.ratios(key)
                ratio = ""
                if n and z and key != "res_share":
                    ratio = f"{z / n:.2f}"
                    if len(r) > 1:
                        ratio += f" ({min(r):.2f}–{max(r):.2f})"
                add(f"| {label} | {f(n) if n is not None else '-'} | "
                    f"{f(z) if z is not None else '-'} | {ratio} |")
            add("")
            add("goals for azmc (informational; speed is never a failure):")
            goals = []
            n, z = self.median("nginx", "ka_rate"), self.median("azmc", "ka_rate")
            if n and z:
                goals.append((f"keep-alive rate >= {GOAL_KEEPALIVE_RATIO}x nginx's in the same "
                              f"run", f"{z / n:.2f}x", z / n >= GOAL_KEEPALIVE_RATIO))
            z = self.median("azmc", "ka_cpu_us")
            if z is not None:
                goals.append((f"server CPU per keep-alive request <= {GOAL_CPU_PER_REQUEST_US:.0f}"
                              f" µs", f"{z:.1f} µs", z <= GOAL_CPU_PER_REQUEST_US))
            z = self.median("azmc", "ka_p99_ms")
            if z is not None:
                goals.append((f"p99 keep-alive latency <= {GOAL_P99_MS:.0f} ms", f"{z:.2f} ms",
                              z <= GOAL_P99_MS))
            z = self.median("azmc", "hs_cpu_ms")
            if z is not None:
                goals.append((f"server CPU per full handshake <= {GOAL_HANDSHAKE_CPU_MS} ms",
                              f"{z:.3f} ms", z <= GOAL_HANDSHAKE_CPU_MS))
            for what, value, met in goals:
                add(f"  {'met    ' if met else 'NOT met'}  {what}: {value}")
        for name, lines in self.lines:
            add("")
            add(f"{name}:")
            for ln in lines:
                add(f"  {ln}")
        add("=" * 78)
        log("\n".join(out))


def errors_note(res):
    return f" ({res['socket_errors']} socket errors)" if res["socket_errors"] else ""


def run_bytes(args):
    r = subprocess.run(args, capture_output=True, check=False)
    if r.returncode != 0:
        raise Failure(f"{' '.join(args[:2])} failed: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout


def make_rsa_certificate(cert, key, cn):
    """A self-signed RSA-2048 certificate (cert and key may be one file)."""
    key_tmp = key + ".key-tmp"
    r = run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key_tmp,
             "-out", cert + ".cert-tmp", "-days", "2", "-subj", f"/CN={cn}"])
    if r.returncode != 0:
        raise Failure(f"openssl could not make an RSA-2048 certificate: {r.stderr.strip()}")
    with open(cert + ".cert-tmp") as f:
        cert_pem = f.read()
    with open(key_tmp) as f:
        key_pem = f.read()
    os.unlink(cert + ".cert-tmp")
    os.unlink(key_tmp)
    if cert == key:
        cert_pem += key_pem
    else:
        write_private(key, key_pem)
    write_private(cert, cert_pem)


def write_private(path, text):
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(text)


def der_tlv(b, i):
    tag, length = b[i], b[i + 1]
    i += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(b[i:i + n], "big")
        i += n
    return tag, b[i:i + length], i + length


def subscription_certificate(pem):
    """The Add Management Certificate body for a PEM certificate, and its thumbprint."""
    der = run_bytes(["openssl", "x509", "-in", pem, "-outform", "DER"])
    pub = run_bytes(["openssl", "x509", "-in", pem, "-noout", "-pubkey"])
    spki = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                          capture_output=True, check=True).stdout
    _, seq, _ = der_tlv(spki, 0)
    _, _, j = der_tlv(seq, 0)  # the algorithm
    tag, bits, _ = der_tlv(seq, j)
    if tag != 0x03:
        raise Failure("unexpected SubjectPublicKeyInfo")
    thumb = hashlib.sha1(der).hexdigest().upper()
    body = ('<SubscriptionCertificate xmlns="http://schemas.microsoft.com/windowsazure">'
            f"<SubscriptionCertificatePublicKey>{base64.b64encode(bits[1:]).decode()}"
            "</SubscriptionCertificatePublicKey>"
            f"<SubscriptionCertificateThumbprint>{thumb}</SubscriptionCertificateThumbprint>"
            f"<SubscriptionCertificateData>{base64.b64encode(der).decode()}"
            "</SubscriptionCertificateData></SubscriptionCertificate>")
    return body, thumb


def nginx_version():
    r = run(["nginx", "-v"])
    m = re.search(r"nginx/([\d.]+)", r.stderr + r.stdout)
    return f"nginx {m.group(1)}" if m else "nginx"


def openssl_version():
    """The OpenSSL library nginx runs with (what `nginx -V` says)."""
    r = run(["nginx", "-V"])
    text = r.stderr + r.stdout
    m = (re.search(r"running with OpenSSL (\S+)", text)
         or re.search(r"built with OpenSSL (\S+)", text)
         or re.search(r"OpenSSL (\S+)", run(["openssl", "version"]).stdout))
    return m.group(1) if m else "?"


def machine_line(root):
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            model = m.group(1).strip() if m else model
    except OSError:
        pass
    commit = run(["git", "-C", root, "rev-parse", "--short", "HEAD"]).stdout.strip() or "?"
    if run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"]).stdout.strip():
        commit += " (with uncommitted changes)"
    # wrk is installed only for the parts that use it (not for --only handshake).
    wrk = shutil.which("wrk") and re.search(r"wrk (?:debian/)?(\S+)", run(["wrk", "-v"]).stdout)
    load = open("/proc/loadavg").read().split()[:3]
    return (f"machine: {os.cpu_count()} cores ({model}), {platform.system()} "
            f"{platform.release()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"commit {commit}; {nginx_version()}, OpenSSL {openssl_version()}, "
            f"wrk {wrk.group(1) if wrk else '?'}; load average at the end "
            f"{' '.join(load)} (generator and servers share the cores)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--shim", required=True)
    p.add_argument("--tmp", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--links", type=int, default=100000)
    p.add_argument("--cycles", type=int, default=1000)
    p.add_argument("--revocations", type=int, default=10)
    p.add_argument("--only", default="")
    a = p.parse_args()
    parts = [a.only] if a.only else ["keepalive", "handshake", "scale", "revocation"]

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    bench = Bench(a)
    try:
        cases = [c for c in ("keepalive", "handshake") if c in parts]
        if cases:
            bench.setup_servers()
            bench.rounds(cases)
            bench.procs.stop_all()
        if "scale" in parts:
            bench.scale()
        if "revocation" in parts:
            bench.revocation()
        bench.report(machine_line(a.root))
    except Failure as e:
        print(f"bench: {e}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except (OSError, http.client.HTTPException, subprocess.SubprocessError) as e:
        print(f"bench: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return 1
    finally:
        bench.procs.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
