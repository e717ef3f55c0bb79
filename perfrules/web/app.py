"""``perfrules serve``: the upload page, the report, the downloads and the JSON API.

Routes:

- ``GET /``: the upload page (no script; the form posts by itself);
- ``POST /check``: the files (``files``) and packs (``packs``) of the form; the report page
  with links to the downloads, or an error page (400 bad request, 413 too large, 504 too long);
- ``GET /download/{token}/{name}``: a file of a run (JSON result, xlsx report, annotated
  workbooks), as an attachment, while the run is kept (an hour);
- ``POST /api/check``: multipart like the form, or a JSON indicator set as the body (packs
  as ``?packs=a,b``); the JSON of ``perfrules check --format json``, or
  ``{"error": {...}}`` with 400, 413, 422 (no input could be read), 503 (busy), 504;
- ``GET /api/packs``: the packs offered.

Every response carries ``X-Content-Type-Options: nosniff`` and a Content-Security-Policy that
allows no script and no load from anywhere (inline styles and data: images only). The server
listens on 127.0.0.1 unless told otherwise; it has no login.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import anyio
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from ..errors import InternalError, PerfrulesError, UsageError
from ..version import __version__
from .catalog import Catalog, Choice
from .check import PAGE, RESULT_JSON, Done, Job
from .runs import MEDIA, TTL_S, Run, Runs
from .uploads import Limits, RequestError, receive_body, receive_form, status_of

TEMPLATES = Path(__file__).resolve().parent / "templates"
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY = (("X-Content-Type-Options", "nosniff"), ("Content-Security-Policy", CSP),
            ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"))
JSON_TYPES = {"application/json": "input.json", "application/x-ndjson": "input.jsonl",
              "application/jsonl": "input.jsonl"}
SWEEP_S = 60
HEADINGS = {400: ("无法完成检查", "cannot check"), 404: ("找不到", "not found"), 405: ("无法完成", "not allowed"),
            413: ("上传的内容太大", "too large"), 422: ("无法读取", "cannot read"),
            500: ("perfrules 内部错误", "internal error"), 503: ("服务器正忙", "busy"), 504: ("检查超时", "time limit")}


class Busy(RequestError):
    status = 503


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (error pages included)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY:
                    headers[k] = v
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        return await self.app(scope, receive, sending)


def disposition(name: str) -> str:
    """``attachment`` with the name for every browser: an ASCII fallback and RFC 5987 ``filename*``."""
    _, dot, ext = name.rpartition(".")
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
    if not any(c.isalnum() for c in fallback.rsplit(".", 1)[0]):  # 结果.json → perfrules.json, not ___.json
        fallback = "perfrules" + (f".{ext}" if dot and ext.isascii() else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class Site:
    """The page and its API over one catalogue of packs and one folder of runs."""

    def __init__(self, catalog: Catalog, runs: Runs, limits: Limits, timeout_s: float, max_running: int):
        import jinja2
        self.catalog, self.runs, self.limits, self.timeout_s = catalog, runs, limits, timeout_s
        self.slots = anyio.Semaphore(max_running)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
        self.css = (TEMPLATES / "style.css").read_text(encoding="utf-8")

    def _html(self, template: str, status: int = 200, **context) -> HTMLResponse:
        text = self.env.get_template(template).render(css=self.css, version=__version__, status=status, **context)
        return HTMLResponse(text, status_code=status)

    # ---- pages
    async def index(self, request: Request) -> Response:
        limits = {"max_files": self.limits.max_files, "max_upload_mb": f"{self.limits.max_upload_mb:g}",
                  "timeout_s": f"{self.timeout_s:g}", "ttl_min": f"{self.runs.ttl_s / 60:g}"}
        return self._html("upload.html", packs=list(self.catalog), defaults=self.catalog.defaults,
                          given=self.catalog.given, limits=limits)

    def error_page(self, e: PerfrulesError, status: int | None = None) -> HTMLResponse:
        status = status or status_of(e)
        where = str(e.where) if e.where is not None else None
        heading = HEADINGS.get(status, HEADINGS[400])
        return self._html("error.html", status, heading=heading, zh=e.zh, en=e.en, hint=e.hint, where=where)

    async def check_page(self, request: Request) -> Response:
        run = None
        try:
            run = self.runs.new()
            names, choice = await self._receive_form(request, run)
            done = await self._execute(run, names, choice)
            if done.failure is not None:
                raise _failure(done)
            run.downloads = {name: run.out / name for _, name in done.downloads}
            return HTMLResponse((run.out / PAGE).read_text(encoding="utf-8"))
        except Exception as e:  # noqa: BLE001 — every failure is a page, never a traceback
            if run is not None:
                self.runs.drop(run)
            return self.error_page(_as_error(e))

    async def download(self, request: Request) -> Response:
        run = self.runs.get(request.path_params["token"])
        name = request.path_params["name"]
        path = run.downloads.get(name) if run is not None else None
        if path is None or not path.is_file():
            return self.error_page(UsageError("下载的文件不存在或已过期（检查结果保留一小时）",
                                              "no such download, or it has expired (results are kept for an hour)"),
                                   404)
        media = MEDIA.get(path.suffix.lower(), "application/octet-stream")
        return FileResponse(path, media_type=media, headers={"Content-Disposition": disposition(name)})

    # ---- the API
    async def api_packs(self, request: Request) -> Response:
        return _json([o.to_dict() for o in self.catalog])

    async def api_check(self, request: Request) -> Response:
        run = None
        try:
            run = self.runs.new()
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "multipart/form-data":
                names, choice = await self._receive_form(request, run)
            else:
                names, choice = await self._receive_json(request, run, ctype)
            done = await self._execute(run, names, choice)
            if done.failure is not None:
                raise _failure(done)
            if not done.checked and done.errors:
                return _json({"error": done.errors[0]}, 422)
            return Response((run.out / RESULT_JSON).read_bytes(), media_type="application/json; charset=utf-8")
        except Exception as e:  # noqa: BLE001 — every failure is a JSON error, never a traceback
            err = _as_error(e)
            return _json({"error": err.to_dict()}, status_of(err))
        finally:
            if run is not None:
                self.runs.drop(run)

    # ---- receiving and checking
    async def _receive_form(self, request: Request, run: Run) -> tuple[list[str], Choice]:
        upload = await receive_form(request.headers, request.stream(), run.inputs, self.limits)
        if not upload.files:
            raise RequestError("没有上传文件：请选择要检查的指标表", "no file was uploaded: choose the forms to check")
        return upload.files, self.catalog.choose(upload.field("packs") + request.query_params.getlist("packs"))

    async def _receive_json(self, request: Request, run: Run, ctype: str) -> tuple[list[str], Choice]:
        name = JSON_TYPES.get(ctype)
        if name is None:
            raise RequestError("请以 JSON（Content-Type: application/json）发送指标表，或以 multipart/form-data 上传文件",
                               "send an indicator set as JSON (Content-Type: application/json), "
                               "or upload files as multipart/form-data")
        choice = self.catalog.choose(request.query_params.getlist("packs"))  # before reading the body
        await receive_body(request.headers, request.stream(), run.inputs, name, self.limits)
        return [name], choice

    async def _execute(self, run: Run, names: list[str], choice: Choice) -> Done:
        """The check in a child process, at most ``timeout_s``; at most ``max_running`` at once
        (a request waits for a free slot at most ``timeout_s`` too: 503)."""
        try:
            with anyio.fail_after(self.timeout_s):
                await self.slots.acquire()
        except TimeoutError:
            raise Busy("服务器正忙，请稍后再试", "the server is busy: try again in a moment") from None
        try:
            job = Job(run.token, str(run.folder), tuple(names), choice.chosen, choice.specs)
            return await anyio.to_thread.run_sync(self.runs.execute, job, choice.packs, self.timeout_s)
        finally:
            self.slots.release()

    async def not_found(self, request: Request, exc) -> Response:
        status = getattr(exc, "status_code", 404)
        e = UsageError("没有这个页面", "no such page") if status == 404 else \
            UsageError("不支持这种请求方式", "method not allowed")
        if request.url.path.startswith("/api/"):
            return _json({"error": e.to_dict()}, status)
        return self.error_page(e, status)

    async def sweeper(self) -> None:
        while True:
            await anyio.sleep(SWEEP_S)
            await anyio.to_thread.run_sync(self.runs.sweep)


class Reported(PerfrulesError):
    """An error the check's process reported: its message and status, its record kept whole
    (code, place) for the API."""

    def __init__(self, record: dict, status: int):
        super().__init__(record.get("message", ""), record.get("message_en", ""), hint=record.get("hint"))
        self.record, self.status = record, status

    def to_dict(self) -> dict:
        return self.record


def _failure(done: Done) -> PerfrulesError:
    return Reported(done.failure or {}, done.status)


def _as_error(e: Exception) -> PerfrulesError:
    if isinstance(e, PerfrulesError):
        return e
    if InternalError.debugging():
        import traceback
        traceback.print_exception(e)
    return InternalError.wrap(e)


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, indent=2) + "\n", status_code=status,
                    media_type="application/json; charset=utf-8")


def create_app(packs: Sequence[str] = (), *, max_upload_mb: float = 20, max_files: int = 20,
               timeout_s: float = 60, workdir: str | os.PathLike | None = None, ttl_s: float = TTL_S,
               max_running: int | None = None) -> Starlette:
    """The web app. ``packs`` (names or folders) are compiled now, with the bundled packs
    (PerfrulesError with every compile error: the server must not start). Uploads and
    outputs go into run folders under ``workdir`` (default: a new temporary folder), deleted
    after ``ttl_s`` and when the app shuts down."""
    _check_limits(max_upload_mb, max_files, timeout_s)
    from starlette.middleware import Middleware
    catalog = Catalog(packs)
    runs = Runs(workdir, ttl_s)
    site = Site(catalog, runs, Limits(max_files, max_upload_mb), timeout_s,
                max_running or max(2, min(4, os.cpu_count() or 1)))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(site.sweeper)
                yield
                tg.cancel_scope.cancel()
        finally:
            runs.close()

    routes = [Route("/", site.index, methods=["GET"]),
              Route("/check", site.check_page, methods=["POST"]),
              Route("/download/{token}/{name}", site.download, methods=["GET"]),
              Route("/api/check", site.api_check, methods=["POST"]),
              Route("/api/packs", site.api_packs, methods=["GET"])]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], lifespan=lifespan,
                    exception_handlers={404: site.not_found, 405: site.not_found})
    app.state.site = site
    return app


def _check_limits(max_upload_mb: float, max_files: int, timeout_s: float) -> None:
    for value, name in ((max_upload_mb, "--max-upload-mb"), (max_files, "max_files"), (timeout_s, "--timeout")):
        if not value or value <= 0:
            raise UsageError(f"{name} 须为正数（现为 {value}）", f"{name} must be a positive number (got {value})")


# ---- serving ---------------------------------------------------------------------------------------

def is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (UsageError, in both languages, when it cannot be)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise UsageError(f"无法识别地址「{host}」：{e.strerror or e}", f"cannot use the address {host}: {e.strerror or e}")
    try:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as e:
        sock.close()
        raise UsageError(f"无法在 {host}:{port} 上启动网页服务：{e.strerror or e}",
                         f"cannot serve on {host}:{port}: {e.strerror or e}",
                         hint="端口可能已被占用：请用 --port 换一个，如 --port 8080 "
                              "(the port may be in use: choose another with --port)") from None
    return sock


def _say(text: str) -> None:
    print(text, flush=True)


def serve(host: str = "127.0.0.1", port: int = 8000, packs: Sequence[str] = (), max_upload_mb: float = 20,
          timeout_s: float = 60, *, max_files: int = 20, workdir: str | None = None, echo=None) -> None:
    """Compile the packs, bind ``host:port``, say where to open the page (in Chinese and
    English; a warning when the page is reachable from other computers) and serve until
    Ctrl-C. Raises PerfrulesError before serving when a pack does not compile or the port
    cannot be used."""
    import uvicorn
    echo = echo or _say
    app = create_app(packs, max_upload_mb=max_upload_mb, max_files=max_files, timeout_s=timeout_s,
                     workdir=workdir)
    sock = bind(host, port)
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    echo(f"perfrules 网页已启动，请在浏览器中打开 {url}")
    echo(f"perfrules is serving: open {url} in a browser")
    if not is_local(host):
        echo(f"警告：网页监听 {host}，同一网络中的其他电脑也能打开；网页没有登录，任何人都能上传文件、查看结果。")
        echo(f"warning: listening on {host}, so other computers can reach the page; it has no login: "
             "anyone who can reach it can upload files and read the results.")
    echo("按 Ctrl+C 停止 (press Ctrl+C to stop)")
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=int(timeout_s) + 5)
    uvicorn.Server(config).run(sockets=[sock])
