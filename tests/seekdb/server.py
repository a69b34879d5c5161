"""A real seekdb server (OceanBase's single-node engine, from the pylibseekdb wheel) for the tests:
data in a temporary folder, a free port on 127.0.0.1 only, stopped at the end. No mock of the engine."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

STARTUP_SECONDS = 180
SERVER_PARAMETERS = ("datafile_size=1G", "log_disk_size=2G", "memory_budget=2G")
"""The smallest sizes measured to start (log_disk_size=1G is refused: OB_RESOURCE_UNIT_VALUE_INVALID);
without memory_budget the engine reserves 80% of the machine's memory."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary() -> Path:
    import pylibseekdb

    path = Path(pylibseekdb.__file__).parent / "seekdb"
    if not path.is_file():
        raise RuntimeError(f"{path}: no seekdb server in the pylibseekdb wheel; pip install '.[seekdb]'")
    return path


def _loopback_shim(folder: Path) -> Path:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise RuntimeError("no C compiler to build the loopback shim for seekdb (apt-get install gcc)")
    out = folder / "loopback.so"
    source = Path(__file__).with_name("loopback.c")
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(out), str(source), "-ldl"], check=True)
    return out


class SeekdbServer:
    """Started by start(), stopped by stop(); url(db) names a database on it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        return f"oceanbase://root@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        import pymysql

        shim = _loopback_shim(self.folder)
        base = self.folder / "base"
        base.mkdir()
        command = [str(_binary()), "--nodaemon", "--port", str(self.port), "--base-dir", str(base)]
        for p in SERVER_PARAMETERS:
            command += ["--parameter", p]
        log = (self.folder / "server.log").open("wb")
        env = dict(os.environ, LD_PRELOAD=str(shim))
        self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"seekdb exited with {self.proc.returncode}; see {base}/log/seekdb.log")
            try:
                pymysql.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=2).close()
                return
            except pymysql.err.OperationalError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"seekdb did not accept connections within {STARTUP_SECONDS} s")

    def listening_on(self) -> list[str]:
        """The local addresses the server's port is bound to (from /proc/net/tcp*)."""
        found = []
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                local, state = line.split()[1], line.split()[3]
                address, port = local.split(":")
                if state == "0A" and int(port, 16) == self.port:  # 0A: LISTEN
                    found.append(address)
        return found

    def stop(self) -> None:
        """Stop the server and delete its data (it preallocates 3 GB of data file and log)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        shutil.rmtree(self.folder / "base", ignore_errors=True)
