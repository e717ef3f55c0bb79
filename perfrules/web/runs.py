"""A run of the page: its temporary folder, its download token, and the check itself.

Each request that checks files gets a fresh folder ``<root>/<token>`` (``in/`` the uploads,
``out/`` what can be downloaded), where ``token`` is a random, unguessable id
(:func:`secrets.token_urlsafe`, 144 bits). Downloads are looked up in memory by token and
name, never by a path built from the URL. Folders older than the time to live (an hour by
default) are deleted, and all of them when the server stops.

The check runs in a child process, forked from the server after the packs were compiled
(so it starts at once and shares them), with the run's ``in/`` folder as its working folder
(results name the files as uploaded: ``评价.xlsx``, not a temporary path). The server waits
for it at most the time limit and then kills it: a check that runs too long is stopped, not
abandoned. Where fork is not available (Windows) the child is spawned and compiles the packs
again, which takes part of the time limit.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import attrs

from ..errors import InternalError, PerfrulesError
from .check import Done, Job, check, href
from .uploads import RequestError, status_of

TTL_S = 3600
# Python ≥ 3.12 warns of every fork in a threaded process (a server has threads); what the
# child does about it is said in child_main.
warnings.filterwarnings("ignore", message=r"This process \(pid=\d+\) is multi-threaded, use of fork\(\)",
                        category=DeprecationWarning)
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
MEDIA = {".json": "application/json", ".html": "text/html; charset=utf-8",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class TimeLimit(RequestError):
    """The check took longer than the time limit and was stopped (HTTP 504)."""

    status = 504


@attrs.define
class Run:
    """One request's folder and what it offers for download (name → file in ``out/``)."""

    token: str
    folder: Path
    created: float
    downloads: dict[str, Path] = attrs.field(factory=dict)

    @property
    def inputs(self) -> Path:
        return self.folder / "in"

    @property
    def out(self) -> Path:
        return self.folder / "out"

    def href(self, name: str) -> str:
        return href(self.token, name)


class Runs:
    """The runs' folders under one root: ``workdir`` when given (the runs' folders are
    removed from it at the end, the folder itself stays), else a new temporary folder
    (removed at the end)."""

    def __init__(self, workdir: str | os.PathLike | None = None, ttl_s: float = TTL_S):
        self.workdir = Path(workdir) if workdir is not None else None
        self.ttl_s = ttl_s
        self._root: Path | None = None
        self._runs: dict[str, Run] = {}
        self._lock = threading.Lock()
        self._children: set = set()

    @property
    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                if self.workdir is not None:
                    self.workdir.mkdir(parents=True, exist_ok=True)
                    self._root = self.workdir
                else:
                    self._root = Path(tempfile.mkdtemp(prefix="perfrules-web-"))
            return self._root

    def new(self) -> Run:
        self.sweep()
        token = secrets.token_urlsafe(18)
        folder = self.root / token
        folder.mkdir(mode=0o700)
        (folder / "in").mkdir(mode=0o700)
        (folder / "out").mkdir(mode=0o700)
        run = Run(token, folder, time.monotonic())
        with self._lock:
            self._runs[token] = run
        return run

    def get(self, token: str) -> Run | None:
        if not TOKEN.fullmatch(token):
            return None
        with self._lock:
            run = self._runs.get(token)
        if run is not None and time.monotonic() - run.created > self.ttl_s:
            self.drop(run)
            return None
        return run

    def drop(self, run: Run) -> None:
        with self._lock:
            self._runs.pop(run.token, None)
        shutil.rmtree(run.folder, ignore_errors=True)

    def sweep(self) -> None:
        """Delete the runs older than the time to live."""
        now = time.monotonic()
        with self._lock:
            old = [r for r in self._runs.values() if now - r.created > self.ttl_s]
        for run in old:
            self.drop(run)

    def close(self) -> None:
        """Stop checks still running and delete every run (and the root when it was made here)."""
        for child in list(self._children):
            _kill(child)
        with self._lock:
            runs, self._runs = list(self._runs.values()), {}
            root, made = self._root, self.workdir is None
            self._root = None
        for run in runs:
            shutil.rmtree(run.folder, ignore_errors=True)
        if root is not None and made:
            shutil.rmtree(root, ignore_errors=True)

    # ---- the check, in a child process
    def execute(self, job: Job, packs: Sequence, timeout_s: float) -> Done:
        """Run ``job`` in a child process; kill it at ``timeout_s`` (raise :class:`TimeLimit`).
        Blocks: call it off the event loop."""
        import multiprocessing as mp
        fork = "fork" in mp.get_all_start_methods()
        ctx = mp.get_context("fork" if fork else "spawn")
        recv, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=child_main, args=(send, job, list(packs) if fork else None), daemon=True)
        child.start()
        send.close()
        self._children.add(child)
        try:
            if not recv.poll(timeout_s):
                raise TimeLimit(f"检查超过了 {timeout_s:g} 秒的时间限制，已停止",
                                f"the check took longer than the limit of {timeout_s:g} s and was stopped",
                                hint="请分几次检查较少的文件，或请管理员用 --timeout 提高时限 "
                                     "(check fewer files at a time, or start the server with a higher --timeout)")
            try:
                return recv.recv()
            except (EOFError, OSError):
                raise InternalError("检查进程意外退出（可能内存不足）",
                                    f"the check's process ended unexpectedly (exit code {child.exitcode}; "
                                    "out of memory?)") from None
        finally:
            recv.close()
            _kill(child)
            self._children.discard(child)


def _kill(child) -> None:
    if child.is_alive():
        child.kill()
    child.join(5)


def child_main(send, job: Job, packs) -> None:
    """A child process: check the job, send back a :class:`Done`, whatever happens.

    Forked from a server that has threads (the event loop's, uvicorn's, the waiting ones):
    like any fork of a threaded process it could inherit a lock some other thread held at that
    instant. It uses nothing of the server (no logging, no event loop), only perfrules, openpyxl
    and files; should it ever hang, the time limit kills it like any check that runs too long."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C stops the server, which kills this
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not uvicorn's handler, inherited
    try:
        if packs is None:
            from ..pipeline import load_packs
            packs = load_packs(job.specs)
        os.chdir(Path(job.folder) / "in")
        done = check(job, packs)
    except PerfrulesError as e:
        done = Done(failure=e.to_dict(), status=status_of(e))
    except BaseException as e:  # noqa: BLE001 — the server reports it; a traceback would go nowhere
        done = Done(failure=InternalError.wrap(e).to_dict(), status=500)
    send.send(done)
    send.close()
