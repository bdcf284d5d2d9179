#!/usr/bin/env python3
"""The figures of `warroom ssh-serve` (issue 14), with the real OpenSSH client on loopback.

    cargo build --release
    python3 scripts/ssh_bench.py sessions   # 50 screens at once: ssh-serve's RSS and idle CPU
    python3 scripts/ssh_bench.py keys       # key press to redrawn frame, through SSH
    python3 scripts/ssh_bench.py sizes      # one session's memory at pty sizes up to 65535x65535
    python3 scripts/ssh_bench.py flood      # a login behind 100 silent + 300 banner-only sockets
    python3 scripts/ssh_bench.py all
    python3 scripts/ssh_bench.py sizes --binary /tmp/warroom-before   # another build

Each run starts a `warroom serve` (a gateway token, one declared incident) and a `warroom
ssh-serve` in front of it on loopback, with a fresh key pair (ssh-keygen). Sessions are
`ssh -t` children in 200x50 pseudo-terminals; every frame the client draws ends with
the synchronized-update end sequence, so frames are found in those bytes. A benchmark, not a
test: nothing fails when a figure misses its target.
"""

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "warroom"
FRAME_END = b"\x1b[?2026l"
CLK_TCK = os.sysconf("SC_CLK_TCK")

TOKENS = """
[[tokens]]
token = "gateway-token"
person = "ssh-gateway"
role = "gateway"
ceiling = "commander"

[[tokens]]
token = "admin-token"
person = "root"
role = "admin"
"""


class Stack:
    """`warroom serve` and `warroom ssh-serve` in a temporary directory."""

    def __init__(self, max_sessions=100, extra=()):
        self.dir = Path(tempfile.mkdtemp(prefix="ssh-bench-"))
        (self.dir / "tokens.toml").write_text(TOKENS)
        self.serve = subprocess.Popen(
            [BINARY, "serve", "--listen", "127.0.0.1:0", "--db", self.dir / "w.db",
             "--tokens", self.dir / "tokens.toml"],
            stdout=subprocess.PIPE, stderr=open(self.dir / "serve.log", "w"), text=True)
        self.base = self.serve.stdout.readline().strip().removeprefix("listening on ")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        self.dir / "key"], check=True)
        key = (self.dir / "key.pub").read_text().strip()
        (self.dir / "authorized.toml").write_text(
            f'[[key]]\nperson = "alice"\nrole = "commander"\nkey = "{key}"\n')
        env = dict(os.environ, WARROOM_TOKEN="gateway-token", HOME=str(self.dir),
                   XDG_CONFIG_HOME=str(self.dir), XDG_DATA_HOME=str(self.dir))
        self.ssh_serve = subprocess.Popen(
            [BINARY, "--backend", self.base, "ssh-serve", "--listen", "127.0.0.1:0",
             "--authorized", self.dir / "authorized.toml", "--host-key", self.dir / "host",
             "--max-sessions", str(max_sessions), *extra],
            stdout=subprocess.PIPE, stderr=open(self.dir / "ssh-serve.log", "w"), text=True,
            env=env)
        self.port = self.ssh_serve.stdout.readline().strip().rsplit(":", 1)[1]
        self.ssh_serve.stdout.readline()
        request = urllib.request.Request(
            self.base + "/v1/incidents", method="POST",
            data=b'{"title":"Checkout returns 5xx","severity":"P1","service":"checkout"}',
            headers={"content-type": "application/json",
                     "authorization": "Bearer admin-token"})
        urllib.request.urlopen(request).read()

    def ssh_command(self):
        return ["ssh", "-p", self.port, "-i", str(self.dir / "key"), "-F", "/dev/null", "-o",
                "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o",
                "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
                "LogLevel=ERROR", "-o", "BatchMode=yes", "alice@127.0.0.1"]

    def ssh(self, size=(200, 50)):
        """One `ssh -t` session in a pseudo-terminal of `size`: the process and the master
        side, to type into and read the screen from."""
        command = ["ssh", "-t", "-p", self.port, "-i", str(self.dir / "key"), "-F",
                   "/dev/null", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
                   "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                   "-o", "LogLevel=ERROR", "-o", "SendEnv=LANG", "alice@127.0.0.1"]
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=subprocess.DEVNULL,
                                   env=dict(os.environ, LANG="C.UTF-8"), start_new_session=True)
        os.close(slave)
        return process, master

    def close(self):
        for process in (self.ssh_serve, self.serve):
            process.terminate()
            process.wait()


def status(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def drain(master, sink):
    """Reads a session's screen for ever, counting bytes into `sink`."""
    def run():
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            sink[0] += len(chunk)
    threading.Thread(target=run, daemon=True).start()


def sessions(count=50, settle=10, idle=30):
    stack = Stack()
    pid = stack.ssh_serve.pid
    try:
        rss_alone = status(pid, "VmRSS")
        clients, received = [], []
        for _ in range(count):
            client, master = stack.ssh()
            sink = [0]
            drain(master, sink)
            clients.append(client)
            received.append(sink)
        deadline = time.time() + 60
        while time.time() < deadline and sum(1 for s in received if s[0] > 1000) < count:
            time.sleep(0.2)
        drawn = sum(1 for s in received if s[0] > 1000)
        time.sleep(settle)
        before_ticks, before_bytes, start = cpu_ticks(pid), sum(s[0] for s in received), time.time()
        time.sleep(idle)
        elapsed = time.time() - start
        ticks = cpu_ticks(pid) - before_ticks
        written = sum(s[0] for s in received) - before_bytes
        rss = status(pid, "VmRSS")
        print(f"sessions drawn: {drawn}/{count}")
        print(f"ssh-serve RSS alone: {rss_alone / 1e6:.1f} MB; with {count} sessions: "
              f"{rss / 1e6:.1f} MB (peak {status(pid, 'VmHWM') / 1e6:.1f} MB); "
              f"{(rss - rss_alone) / count / 1e3:.0f} kB per session")
        print(f"idle CPU over {elapsed:.0f} s: {100 * ticks / CLK_TCK / elapsed:.3f} % of a core "
              f"({ticks} ticks); {written / elapsed:.0f} B/s to all clients")
        for client in clients:
            client.terminate()
    finally:
        stack.close()


def keys(presses=200):
    stack = Stack()
    try:
        client, fd = stack.ssh()
        buffer = b""
        deadline = time.time() + 30
        while FRAME_END not in buffer and time.time() < deadline:
            buffer += os.read(fd, 65536)
        time.sleep(3)
        first_byte, whole_frame = [], []
        for _ in range(presses):
            # Drain whatever came (a clock frame), then wait a little past it.
            while select.select([fd], [], [], 0)[0]:
                os.read(fd, 65536)
            time.sleep(0.1 + 0.2 * (len(first_byte) % 4) / 4)
            start = time.perf_counter()
            os.write(fd, b"\t")
            seen = b""
            got_first = None
            while FRAME_END not in seen:
                if not select.select([fd], [], [], 5)[0]:
                    raise SystemExit("no frame within 5 s of a key")
                seen += os.read(fd, 65536)
                if got_first is None:
                    got_first = time.perf_counter()
            end = time.perf_counter()
            first_byte.append((got_first - start) * 1e3)
            whole_frame.append((end - start) * 1e3)

        def quantiles(values):
            values = sorted(values)
            p = lambda q: values[min(len(values) - 1, int(q * len(values)))]
            return f"p50 {statistics.median(values):.2f} ms, p99 {p(0.99):.2f} ms, max {values[-1]:.2f} ms"

        print(f"{presses} tab presses through ssh on loopback")
        print(f"to the first byte: {quantiles(first_byte)}")
        print(f"to the end of the frame: {quantiles(whole_frame)}")
        client.terminate()
    finally:
        stack.close()


def alive(pid):
    try:
        return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0
    except FileNotFoundError:
        return False


def sizes(sizes=((200, 50), (500, 200), (2000, 2000), (4000, 4000), (65535, 65535))):
    """One session at each pty size, on a fresh server each: its resident memory while open
    (the first frame drawn, 2 s on), the peak, and what is left 3 s after it closed, over a
    server that has already opened and closed one 80x24 session (one-off set-up excluded)."""
    print("| pty | RSS with the session | peak | RSS after it closed | first frame |")
    print("|---|---|---|---|---|")
    for columns, rows in sizes:
        stack = Stack()
        pid = stack.ssh_serve.pid
        try:
            client, master = stack.ssh((80, 24))
            buffer, deadline = b"", time.time() + 30
            while FRAME_END not in buffer and time.time() < deadline:
                if select.select([master], [], [], 1)[0]:
                    buffer += os.read(master, 65536)
            client.terminate()
            client.wait()
            time.sleep(3)
            alone = status(pid, "VmRSS")
            client, master = stack.ssh((columns, rows))
            start, buffer, frame = time.time(), b"", None
            while time.time() < start + 60 and alive(pid):
                if select.select([master], [], [], 0.5)[0]:
                    try:
                        buffer += os.read(master, 1 << 20)
                    except OSError:
                        break
                    if FRAME_END in buffer:
                        frame = time.time() - start
                        break
            time.sleep(2)
            if not alive(pid):
                stack.ssh_serve.wait()
                log = (stack.dir / "ssh-serve.log").read_text().strip().splitlines()
                why = next((l for l in log if "memory allocation" in l or "panicked" in l),
                           log[-1] if log else "")
                print(f"| {columns}x{rows} | server died (status {stack.ssh_serve.returncode}): "
                      f"`{why}` | | | |")
                client.terminate()
                continue
            open_rss, peak = status(pid, "VmRSS"), status(pid, "VmHWM")
            client.terminate()
            client.wait()
            time.sleep(3)
            after = status(pid, "VmRSS")
            drawn = f"{frame:.2f} s" if frame is not None else "none in 60 s"
            print(f"| {columns}x{rows} | +{(open_rss - alone) / 1e6:.1f} MB | "
                  f"{peak / 1e6:.1f} MB | +{(after - alone) / 1e6:.1f} MB | {drawn} |")
        finally:
            if stack.ssh_serve.poll() is None:
                stack.close()
            else:
                stack.serve.terminate()
                stack.serve.wait()


def churn(rounds=3, count=12):
    """`rounds` times, `count` sessions one after the other at growing sizes (100x50 to
    430x160), each closed once drawn: what the server keeps afterwards, over where it was
    after one 80x24 session."""
    stack = Stack()
    pid = stack.ssh_serve.pid

    def session(size):
        client, master = stack.ssh(size)
        buffer, deadline = b"", time.time() + 30
        while FRAME_END not in buffer and time.time() < deadline:
            if select.select([master], [], [], 1)[0]:
                buffer += os.read(master, 1 << 20)
        client.terminate()
        client.wait()
        os.close(master)

    try:
        session((80, 24))
        time.sleep(3)
        alone = status(pid, "VmRSS")
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        print(f"RSS after one 80x24 session: {alone / 1e6:.1f} MB, {fds} descriptors")
        for round in range(rounds):
            for i in range(count):
                session((100 + 30 * i, 50 + 10 * i))
            time.sleep(3)
            print(f"after round {round + 1} ({count} sessions): "
                  f"+{(status(pid, 'VmRSS') - alone) / 1e6:.1f} MB, "
                  f"{len(os.listdir(f'/proc/{pid}/fd'))} descriptors")
    finally:
        stack.close()


def flood(silent=100, banner_only=300, grace=10):
    """`silent` sockets that say nothing and `banner_only` that send only their SSH banner,
    then a real login (OpenSSH, `incident list`) timed; then whether the flood outlives the
    login grace, from `ssh-serve`'s open descriptors."""
    import socket
    stack = Stack(extra=("--login-grace", f"{grace}s"))
    pid = stack.ssh_serve.pid
    fds = lambda: len(os.listdir(f"/proc/{pid}/fd"))
    try:
        before = fds()
        sockets = []
        for i in range(silent + banner_only):
            s = socket.create_connection(("127.0.0.1", int(stack.port)))
            if i >= silent:
                try:
                    s.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
                except OSError:
                    pass
            sockets.append(s)
        time.sleep(0.5)
        during = fds()
        start = time.time()
        done = subprocess.run(stack.ssh_command() + ["incident", "list"], capture_output=True,
                              timeout=600)
        took = time.time() - start
        print(f"{silent} silent + {banner_only} banner-only sockets; login grace {grace} s")
        print(f"login and `incident list` through OpenSSH: {took:.2f} s (exit {done.returncode})")
        time.sleep(max(0, grace + 3 - (time.time() - start)))
        print(f"ssh-serve descriptors: {before} before, {during} with the flood, "
              f"{fds()} at {grace + 3} s")
        for s in sockets:
            s.close()
    finally:
        stack.close()


def main():
    global BINARY
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", choices=["sessions", "keys", "sizes", "flood", "all"])
    parser.add_argument("--binary", type=Path, default=BINARY,
                        help="the warroom binary to measure (default: the release build)")
    arguments = parser.parse_args()
    figure, BINARY = arguments.figure, arguments.binary
    if not BINARY.exists():
        sys.exit(f"{BINARY} is missing: cargo build --release")
    if figure in ("sessions", "all"):
        sessions()
    if figure in ("keys", "all"):
        keys()
    if figure in ("sizes", "all"):
        sizes()
        churn()
    if figure in ("flood", "all"):
        flood()


if __name__ == "__main__":
    main()
