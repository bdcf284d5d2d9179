#!/usr/bin/env python3
"""The TUI's figures (issues 3 and 4), measured on the real binary in a pseudo-terminal.

    cargo build --release
    python3 scripts/tui_bench.py idle            # wall at 200x50, 4 panels, left alone 60 s
    python3 scripts/tui_bench.py keys            # key press to redrawn frame, desk at 200x50
    python3 scripts/tui_bench.py propagation     # a command reaching a wall's screen
    python3 scripts/tui_bench.py slow-prometheus # keys while 6 panels wait on a 2 s Prometheus
    python3 scripts/tui_bench.py all

Each run starts its own servers on loopback: a real Prometheus holding two hours of a made-up
service's history (backfilled with promtool) and scraping its live values every second (for
slow-prometheus, a stand-in that answers every query after 2 s instead), a `warroom serve` on
a fresh database with one declared incident, and `target/release/warroom` in a 200x50 pty.
Every frame the client draws ends with the synchronized-update end sequence, so frames are
found in the bytes read from the pty master. These are benchmarks, not tests: nothing here
runs under `cargo test`, and nothing fails when a figure misses its target.
"""

import argparse
import bisect
import fcntl
import json
import math
import os
import pty
import random
import shutil
import signal
import socket
import string
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAME_END = b"\x1b[?2026l"  # crossterm's EndSynchronizedUpdate, written after every draw
CLK_TCK = os.sysconf("SC_CLK_TCK")
COLUMNS, ROWS = 200, 50

# The four panels of the idle, keys and propagation runs, over the made-up checkout service
# that `Traffic` serves.
PANELS = [
    ("5xx error ratio",
     'sum by (endpoint) (rate(bench_http_requests_total{service="$service",code=~"5.."}[1m]))'
     ' / sum by (endpoint) (rate(bench_http_requests_total{service="$service"}[1m]))',
     "ratio", "{{endpoint}}", {"warn": 0.01, "crit": 0.05}),
    ("Request rate", 'sum by (endpoint) (rate(bench_http_requests_total{service="$service"}[1m]))',
     "req_per_sec", "{{endpoint}}", {}),
    ("p99 latency",
     'histogram_quantile(0.99, sum by (le) '
     '(rate(bench_http_request_duration_seconds_bucket{service="$service"}[1m])))',
     "seconds", None, {"warn": 0.5, "crit": 1.0}),
    ("Requests in flight", 'sum(bench_http_requests_in_flight{service="$service"})', "count",
     None, {}),
]


class Traffic:
    """A checkout service whose every metric is a smooth function of time, so two hours of
    history (backfilled with promtool) and the live values (scraped from `serve()`) join up:
    the panels start full, one hour wide, and keep moving as a wall's would."""

    ENDPOINTS = ("/api/cart", "/api/pay")

    def __init__(self, prefix="bench_"):
        # "bench_" keeps the panels of these runs apart from any convention; "" gives the
        # names `warroom panels detect` knows (scripts/setup_bench.py).
        self.prefix = prefix
    # A cumulative histogram of two kinds of requests: fast ones, and slow ones whose share
    # rises and falls, which moves the p99.
    BUCKETS = (("0.05", 0.6, 0.0), ("0.1", 0.9, 0.1), ("0.25", 0.99, 0.4), ("0.5", 0.999, 0.8),
               ("1", 1.0, 0.95), ("+Inf", 1.0, 1.0))

    @staticmethod
    def counter(t, base, swing, period, phase):
        """The integral over [0, t] of a rate of base + swing * sin(2 pi t / period + phase)."""
        w = 2 * math.pi / period
        return base * t + swing / w * (math.cos(phase) - math.cos(w * t + phase))

    def samples(self, t):
        """(family, type, sample name, labels, value) at unix time `t`."""
        service = 'service="checkout"'
        for n, endpoint in enumerate(self.ENDPOINTS):
            for code, base, swing, period in (("200", 40 + 20 * n, 15, 900),
                                              ("500", 1.2, 1.0, 600)):
                labels = f'{service},endpoint="{endpoint}",code="{code}"'
                value = self.counter(t, base, swing, period, n)
                yield (f"{self.prefix}http_requests", "counter",
                       f"{self.prefix}http_requests_total", labels, value)
        fast = self.counter(t, 90, 20, 900, 0)
        slow = self.counter(t, 2, 1.8, 1200, 0)
        for le, fast_share, slow_share in self.BUCKETS:
            yield (f"{self.prefix}http_request_duration_seconds", "histogram",
                   f"{self.prefix}http_request_duration_seconds_bucket", f'{service},le="{le}"',
                   fast_share * fast + slow_share * slow)
        yield (f"{self.prefix}http_requests_in_flight", "gauge",
               f"{self.prefix}http_requests_in_flight", service, 12 + 6 * math.sin(t / 200))

    def openmetrics(self, start, end, every=15):
        families = {}
        for t in range(start, end + 1, every):
            for family, kind, name, labels, value in self.samples(t):
                families.setdefault((family, kind), []).append(f"{name}{{{labels}}} {value} {t}")
        text = "".join(f"# TYPE {family} {kind}\n" + "\n".join(lines) + "\n"
                       for (family, kind), lines in families.items())
        return text + "# EOF\n"

    def serve(self):
        """An exporter on a free loopback port; returns its `host:port`."""
        traffic = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                now = time.time()
                body = "".join(f"{name}{{{labels}}} {value}\n"
                               for _, _, name, labels, value in traffic.samples(now)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"127.0.0.1:{server.server_address[1]}"


def percentile(sorted_values, p):
    """Nearest rank, like benches/support: the value below which p percent of samples fall."""
    if not sorted_values:
        return float("nan")
    rank = math.ceil(p / 100 * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(method, url, body=None, headers=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def wait_until(what, check, timeout=60, every=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(every)
    sys.exit(f"gave up waiting for {what} after {timeout} s")


class Stack:
    """Every process of one run, in one temporary directory, stopped in reverse order."""

    def __init__(self):
        # Under target/, on the real disk: the backend's fsync costs what it costs (/tmp may
        # be a RAM disk).
        base = ROOT / "target" / "tmp"
        base.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="tui-bench-", dir=base))
        self.children = []

    def spawn(self, name, args, **kwargs):
        """Starts a child with its stderr (and by default stdout) in `NAME.log`."""
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        with open(self.dir / f"{name}.log", "wb") as log:
            kwargs.setdefault("stdout", log)
            child = subprocess.Popen(args, stderr=log, **kwargs)
        self.children.append(child)
        return child

    def close(self):
        for child in reversed(self.children):
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def start_prometheus(stack, traffic=None, history=7200):
    """A real Prometheus on loopback holding `history` seconds (two hours by default) of
    `traffic`'s history (a `Traffic()` by default) and scraping its live values every second;
    returns its URL once the live values are in."""
    traffic = traffic or Traffic()
    storage = stack.dir / "prometheus"
    history_file = stack.dir / "history.om"
    now = int(time.time())
    history_file.write_text(traffic.openmetrics(now - history, now - 5))
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", history_file,
                    storage],
                   check=True, stdout=subprocess.DEVNULL)
    exporter = traffic.serve()
    config = stack.dir / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: checkout\n    static_configs: [{{targets: ['{exporter}']}}]\n")
    for _ in range(5):
        port = free_port()
        # Retention 100y, or the backfilled blocks are deleted at startup.
        child = stack.spawn("prometheus", [
            "prometheus", f"--config.file={config}", f"--storage.tsdb.path={storage}",
            "--storage.tsdb.retention.time=100y", f"--web.listen-address=127.0.0.1:{port}",
            f"--web.external-url=http://127.0.0.1:{port}/"])
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while child.poll() is None and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/-/ready", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        if child.poll() is None:
            break
        log = (stack.dir / "prometheus.log").read_text()
        if "address already in use" not in log:
            sys.exit(f"prometheus did not start:\n{log}")

    def scraped():
        answer = http_json("GET", f"{url}/api/v1/query?query=up")
        return bool(answer["data"]["result"])

    # The first scrape comes about 5 s after ready.
    wait_until("Prometheus to scrape the exporter", scraped)
    return url


def start_backend(stack, binary):
    """`warroom serve` on a fresh database, with one declared incident; returns its URL."""
    child = stack.spawn("serve", [binary, "serve", "--listen", "127.0.0.1:0",
                                  "--db", stack.dir / "warroom.db"], stdout=subprocess.PIPE)
    line = child.stdout.readline().decode()
    if not line.startswith("listening on "):
        sys.exit(f"warroom serve did not start: {line!r}")
    # Keep the pipe drained so the server never blocks on it.
    threading.Thread(target=child.stdout.read, daemon=True).start()
    url = line.split()[-1]
    http_json("POST", f"{url}/v1/incidents", {
        "title": "Checkout API returns 5xx", "severity": "P1", "service": "checkout"},
        headers={"X-Warroom-Actor": "alice"})
    return url


def write_config(stack, prometheus_url, panels, refresh=None):
    lines = ["[prometheus]", f"url = {json.dumps(prometheus_url)}", ""]
    for title, expr, unit, legend, thresholds in panels:
        lines += ["[[panels]]", f"title = {json.dumps(title)}", f"expr = '''{expr}'''",
                  f'unit = "{unit}"']
        if legend:
            lines.append(f"legend = {json.dumps(legend)}")
        lines += [f"{name} = {value}" for name, value in thresholds.items()]
        if refresh:
            lines.append(f'refresh = "{refresh}"')
        lines.append("")
    path = stack.dir / "warroom.toml"
    path.write_text("\n".join(lines))
    return path


class Screen:
    """The client in a 200x50 pty. A reader thread drains the master and stamps every chunk
    with the time it was read, so figures come from the arrival of bytes, whatever the
    main thread was doing."""

    def __init__(self, stack, binary, backend_url, config, wall):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        home = stack.dir / "home"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("WARROOM_", "XDG_", "NO_COLOR", "RUST_LOG", "LC_"))}
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
                   XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"),
                   XDG_CACHE_HOME=str(home / "cache"), LANG="C.UTF-8",
                   TERM="xterm-256color")
        args = [binary, "--config", config, "--backend", backend_url, "--actor", "alice"]
        if wall:
            args.append("--wall")
        # A new session without a controlling terminal: crossterm then uses stdin and stdout,
        # both the pty, and never the terminal this script runs in.
        self.child = stack.spawn("tui", args, stdin=slave, stdout=slave, env=env,
                                 start_new_session=True)
        os.close(slave)
        self.master = master
        self.data = bytearray()
        self.ends = []  # (offset just past the chunk, time it was read)
        self.closed = False
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child is gone
                chunk = b""
            now = time.perf_counter()
            with self.cond:
                if not chunk:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.data += chunk
                self.ends.append((len(self.data), now))
                self.cond.notify_all()

    @property
    def pid(self):
        return self.child.pid

    def offset(self):
        with self.cond:
            return len(self.data)

    def arrival(self, offset):
        """When the byte at `offset` was read."""
        with self.cond:
            index = bisect.bisect_right(self.ends, (offset, math.inf))
            return self.ends[index][1]

    def wait_for(self, needle, start, timeout):
        """The offset just past the first `needle` at or after `start`, or None."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = self.data.find(needle, start)
                if found >= 0:
                    return found + len(needle)
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    return None
                self.cond.wait(left)

    def press(self, key):
        """Writes `key`; returns the offset output had reached and the time of the write."""
        start = self.offset()
        sent = time.perf_counter()
        os.write(self.master, key)
        return start, sent

    def settle(self, seconds):
        time.sleep(seconds)
        if self.child.poll() is not None:
            sys.exit(f"the client exited with {self.child.returncode}; see the logs")


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads, living and dead), and the finer
    on-CPU nanoseconds of its living threads from schedstat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    nanos = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                nanos += int(f.read().split()[0])
        except OSError:
            pass
    return ticks / CLK_TCK, nanos / 1e9


def memory_kb(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def setup(stack, args, wall, prometheus_url=None, panels=PANELS, refresh=None):
    prometheus_url = prometheus_url or start_prometheus(stack)
    backend = start_backend(stack, args.binary)
    config = write_config(stack, prometheus_url, panels, refresh)
    screen = Screen(stack, args.binary, backend, config, wall)
    screen.settle(args.settle)
    return backend, screen


# The clock's frames redraw a few digits (100 to 400 bytes); a chart that moved by a step
# redraws most of its cells (700 bytes and up).
BIG_FRAME = 600


def idle(args):
    with Stack() as stack:
        _, screen = setup(stack, args, wall=True)
        pid = screen.pid
        start, (ticks0, nanos0), t0 = screen.offset(), cpu_seconds(pid), time.perf_counter()
        time.sleep(args.seconds)
        end, (ticks1, nanos1), t1 = screen.offset(), cpu_seconds(pid), time.perf_counter()
        memory = memory_kb(pid)
        elapsed = t1 - t0
        with screen.cond:
            sizes = [len(f) + len(FRAME_END)
                     for f in bytes(screen.data[start:end]).split(FRAME_END)[:-1]]
        frames = len(sizes)
        charts = [n for n in sizes if n > BIG_FRAME]
        print(f"wall {COLUMNS}x{ROWS}, {len(PANELS)} panels, left alone "
              f"{elapsed:.1f} s after {args.settle} s of settling")
        print(f"  CPU (utime+stime): {100 * (ticks1 - ticks0) / elapsed:.3f} % of a core "
              f"({ticks1 - ticks0:.2f} s; target <= 0.1 %)")
        print(f"  CPU (schedstat):   {100 * (nanos1 - nanos0) / elapsed:.3f} % of a core")
        print(f"  written: {(end - start) / elapsed:.0f} bytes/s (target <= 200), "
              f"{end - start} bytes in {frames} frames ({frames / elapsed:.2f} frames/s)")
        print(f"    frames up to {BIG_FRAME} bytes: {frames - len(charts)}, median "
              f"{percentile(sorted(sizes), 50)} bytes, "
              f"{(end - start - sum(charts)) / elapsed:.0f} bytes/s")
        print(f"    larger frames (charts moved): {len(charts)}, "
              f"{sum(charts) / elapsed:.0f} bytes/s")
        print(f"  RSS {memory['VmRSS'] / 1024:.1f} MB, peak {memory['VmHWM'] / 1024:.1f} MB "
              f"(target <= 20 MB)")


def latency_rows(name, samples, labels=("first byte", "frame end")):
    first = sorted(s[0] for s in samples)
    frame = sorted(s[1] for s in samples)
    print(f"{name}: {len(samples)} samples")
    for label, values in zip(labels, (first, frame)):
        print(f"  {label:>10}: p50 {percentile(values, 50) * 1000:.2f} ms, "
              f"p99 {percentile(values, 99) * 1000:.2f} ms, max {values[-1] * 1000:.2f} ms")


def measure_key(screen, key=b"\t"):
    """One key press: (to the first byte after it, to the end of that frame, when it was
    sent), or None when the client drew nothing within a second."""
    start, sent = screen.press(key)
    end = screen.wait_for(FRAME_END, start, timeout=1)
    if end is None:
        return None
    return screen.arrival(start) - sent, screen.arrival(end - 1) - sent, sent


# Keys go out at these offsets after a frame of the 1 s clock, so a tick never lands inside a
# measurement and its frame is never taken for the key's (a key's frame takes about 1 ms).
KEY_OFFSETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def press_keys(screen, count, gate=lambda: True, clean=lambda sent, done: True):
    """`count` tab presses on a desk, timed. Keys are pressed only while `gate()` holds;
    a sample for which `clean(sent, done)` is false is dropped."""
    samples, missed, dropped = [], 0, 0
    while len(samples) < count:
        wait_until("the moment to press keys", gate, timeout=60, every=0.01)
        tick = screen.wait_for(FRAME_END, screen.offset(), timeout=1.5)
        if tick is None:
            sys.exit("the client drew nothing for 1.5 s: is the 1 s clock gone?")
        ticked = screen.arrival(tick - 1)
        for offset in KEY_OFFSETS:
            time.sleep(max(0.0, ticked + offset - time.perf_counter()))
            if len(samples) == count or not gate():
                break
            result = measure_key(screen)
            if result is None:
                missed += 1
                continue
            first, frame, sent = result
            if clean(sent, sent + frame):
                samples.append((first, frame))
            else:
                dropped += 1
    return samples, missed, dropped


def keys(args):
    with Stack() as stack:
        _, screen = setup(stack, args, wall=False)
        samples, missed, _ = press_keys(screen, args.count)
        latency_rows(f"tab on the desk at {COLUMNS}x{ROWS}, {len(PANELS)} panels "
                     "(target <= 16 ms)", samples)
        if missed:
            print(f"  {missed} presses drew nothing within 1 s")


def note_text(previous):
    """Random letters, each unlike the previous text's letter in the same place: the frame
    diff resends only changed cells, so only then does the whole text reach the pty in one
    run of bytes."""
    return "".join(random.choice([c for c in string.ascii_lowercase if c != p])
                   for p in previous)


def propagation(args):
    with Stack() as stack:
        backend, screen = setup(stack, args, wall=True)
        url = f"{backend}/v1/incidents/INC-1/commands"

        def post(text):
            http_json("POST", url, {"type": "add_note", "kind": "note", "text": text},
                      headers={"X-Warroom-Actor": "bob"})

        # Not timed: from now on the newest timeline row is a note by the same actor, so the
        # next note's text lands on the same cells as the last one's.
        text = note_text("x" * 24)
        post(text)
        time.sleep(1)
        samples = []
        for _ in range(args.rounds):
            # Spread the posts over the phase of the client's 1 s clock.
            time.sleep(random.uniform(0.2, 1.0))
            text = note_text(text)
            start = screen.offset()
            sent = time.perf_counter()
            post(text)
            shown = screen.wait_for(text.encode(), start, timeout=5)
            end = shown and screen.wait_for(FRAME_END, shown, timeout=5)
            if end is None:
                sys.exit(f"the note {text!r} never reached the wall")
            samples.append((screen.arrival(shown - 1) - sent, screen.arrival(end - 1) - sent))
        latency_rows(f"add_note posted to the wall's frame (wall {COLUMNS}x{ROWS}; "
                     "target <= 100 ms)", samples, labels=("text", "frame end"))


class SlowPrometheus:
    """Answers every `query_range` after `delay` seconds with two made-up series spanning the
    requested window, and keeps the times of its answers and how many requests wait."""

    def __init__(self, delay):
        self.delay = delay
        self.in_flight = 0
        self.peak = 0  # the most requests ever waiting at once
        self.answered = []  # perf_counter() at each answer
        self.lock = threading.Lock()
        bench = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with bench.lock:
                    bench.in_flight += 1
                    bench.peak = max(bench.peak, bench.in_flight)
                try:
                    time.sleep(bench.delay)
                    body = json.dumps(bench.matrix(self.path)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client was stopped at the end of the run
                finally:
                    with bench.lock:
                        bench.in_flight -= 1
                        bench.answered.append(time.perf_counter())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def matrix(path):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
        start, end = int(query["start"][0]), int(query["end"][0])
        step = max(1, int(query["step"][0]))
        result = []
        for n, endpoint in enumerate(["/api/cart", "/api/pay"]):
            values = [[t, f"{1 + math.sin(t / 600 + n):.4f}"] for t in range(start, end + 1, step)]
            result.append({"metric": {"endpoint": endpoint}, "values": values})
        return {"status": "success", "data": {"resultType": "matrix", "result": result}}

    def waiting(self):
        with self.lock:
            return self.in_flight

    def answered_between(self, start, end):
        with self.lock:
            return any(start <= t <= end for t in self.answered)

    def close(self):
        self.server.shutdown()


def slow_prometheus(args):
    proxy = SlowPrometheus(delay=2.0)
    panels = [(f"Slow panel {n}", f"slow_metric_{n}", "req_per_sec", "{{endpoint}}", {})
              for n in range(1, 7)]
    try:
        with Stack() as stack:
            _, screen = setup(stack, args, wall=False, prometheus_url=proxy.url,
                              panels=panels, refresh="15s")
            waiting = []

            def gate():
                # Only while refreshes wait on the slow server (2 s out of every 15 s).
                return proxy.waiting() > 0

            def clean(sent, done):
                waiting.append(proxy.waiting())
                # A panel's answer during a measurement draws a frame of its own, which could
                # be taken for the key's.
                return not proxy.answered_between(sent - 0.05, done)

            samples, missed, dropped = press_keys(screen, args.count, gate, clean)
            latency_rows(f"tab on the desk at {COLUMNS}x{ROWS} while 6 panels wait on a "
                         "Prometheus answering in 2 s (target <= 16 ms)", samples)
            waiting.sort()
            print(f"  requests waiting as a key's frame ended: min {waiting[0]}, "
                  f"median {percentile(waiting, 50)}, max {waiting[-1]}; {dropped} samples "
                  f"dropped (a panel answered during them), {missed} presses drew nothing")
            print(f"  most requests ever waiting at once, start-up included: {proxy.peak}")
    finally:
        proxy.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["idle", "keys", "propagation", "slow-prometheus",
                                         "all"])
    parser.add_argument("--binary", default=str(ROOT / "target" / "release" / "warroom"))
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds to let the client settle before measuring")
    parser.add_argument("--seconds", type=float, default=60.0, help="idle: how long")
    parser.add_argument("--count", type=int, default=200, help="keys: how many presses")
    parser.add_argument("--rounds", type=int, default=50, help="propagation: how many notes")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: run `cargo build --release` first")
    # Stopped with SIGTERM, still stop the servers and the client this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    runs = {"idle": idle, "keys": keys, "propagation": propagation,
            "slow-prometheus": slow_prometheus}
    for name, run in runs.items():
        if args.what in (name, "all"):
            run(args)


if __name__ == "__main__":
    main()
