"""A red team's faults in `rag serve`, each shown on a real server on 127.0.0.1 (uvicorn in a thread,
real HTTP, real chromium): no client-named server file is read, no other site or host drives it, report
text is shown as text, logins are not guessed at speed, nothing about the index before login and no
server path after it, oversized bodies refused unread, HEAD and TRACE answered in JSON."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio.utils import get_upload_folder

from rag.errors import InputError
from rag.service import Service
from tests.conftest import ROOT, SMALL_REPORT, gradio_result, raw_request, serving_app, shows, write_report
from ui.app import answer_markdown, sources_html
from ui.server import create_app

LOGIN = ("reviewer", "s3cret-pass")
SECRET = "绝密字样QX7"
EVIL = SMALL_REPORT.replace("测试区", "注入区").replace(
    "全年主动公开政府信息1234条。",
    "全年主动公开政府信息4321条<img src={px}/pixel-quote>[链接]({px}/pixel-link)<a href={px}/pixel-a>点此</a>"
    "www.example.com {px}/pixel-auto。",
)
QUESTION = "哪些单位主动公开政府信息4321条?"
NEIGHBOURS = ["application/vnd.x+JSON", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]


@dataclass
class Site:
    service: Service
    open: str
    login: str
    secret: Path
    index: Path
    px: str
    hits: list[str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, seed_index: Path, e5: Any, pixel: Any) -> Any:
    """One index (the seeds, by absolute path, plus a report holding HTML and Markdown) behind two
    servers, one open and one with a login; the report's images and links point at `pixel`."""
    px, hits = pixel
    root = tmp_path_factory.mktemp("security")
    shutil.copytree(seed_index, root / "index")
    service = Service(root / "index", encoder=e5)
    evil = write_report(root, "evil.txt", EVIL.format(px=px))
    assert service.add_uploads([("evil.txt", evil)]).indexed == ("evil.txt",)
    doc = next(r for r in service.reports() if r["source"] == "uploads/evil.txt")
    service.correct(doc["doc_id"], unit=f"注入区<img src={px}/pixel-unit>办公室")  # a logged-in user may write this
    secret = write_report(root, "secret.txt", SMALL_REPORT.replace("1234条", f"{SECRET}1234条"))
    with serving_app(create_app(service)) as open_url, serving_app(create_app(service, auth=LOGIN)) as login_url:
        yield Site(service, open_url, login_url, secret, root / "index", px, hits)


@pytest.fixture
def mine() -> Iterator[Path]:
    """A folder of the test's own inside Gradio's upload folder, removed afterwards."""
    folder = Path(get_upload_folder()) / f"rag-test-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def logged_in(url: str, address: str = "127.0.0.1") -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=120, transport=httpx.HTTPTransport(local_address=address))
    assert client.post("/login", data={"username": LOGIN[0], "password": LOGIN[1]}).status_code == 200
    return client


def file_data(path: str | None, **more: Any) -> dict[str, Any]:
    return {"path": path, "orig_name": "secret.txt", "meta": {"_type": "gradio.FileData"}, **more}


@pytest.mark.parametrize("login", [False, True], ids=["open", "login"])
def test_no_request_makes_the_server_read_a_file_it_did_not_receive(site: Site, login: bool, mine: Path) -> None:
    client = logged_in(site.login) if login else httpx.Client(base_url=site.open, timeout=60)
    folder, start = Path(get_upload_folder()), time.time() - 1
    (mine / "link.txt").symlink_to(site.secret)
    ok = client.post("/gradio_api/upload", files={"files": ("ok.txt", b"plain")}).json()[0]
    secret = str(site.secret)
    up = "/.." * len(folder.resolve().parts)
    body = json.dumps({"data": [[file_data(secret)]]})
    attempts: list[tuple[str, dict[str, Any]]] = [
        (f"content-type {ct}", {"content": body, "headers": {"content-type": ct} if ct else {}})
        for ct in [None, "application/json", "APPLICATION/JSON", "Application/Json; charset=utf-8", *NEIGHBOURS]
    ]
    attempts += [
        ("two types", {"content": body, "headers": [("content-type", "application/json"), ("content-type", "x/y")]}),
        (
            "two types, reversed",
            {"content": body, "headers": [("content-type", "text/plain"), ("content-type", "a/json")]},
        ),
        ("utf-16", {"content": body.encode("utf-16"), "headers": {"content-type": "application/json"}}),
        ("multipart wrapping JSON", {"files": {"data": ("d.json", body, "application/json")}}),
        ("duplicate path keys", {"content": body.replace('"path"', f'"path": {json.dumps(ok)}, "path"')}),
    ]
    for label, value in [
        ("file://", f"file://{secret}"),
        ("..", f"{folder}{up}{secret}"),
        ("symlink", str(mine / "link.txt")),
        ("URL path", f"{site.open}/gradio_api/file={secret}"),
        ("relative", os.path.relpath(secret)),
        ("NUL byte", f"{ok}\0{secret}"),
    ]:
        attempts.append((label, {"json": {"data": [[file_data(value)]]}}))
    attempts += [
        ("url field", {"json": {"data": [[file_data(None, url=f"{site.open}/gradio_api/file={secret}")]]}}),
        ("url file://", {"json": {"data": [[file_data(ok, url=f"file://{secret}")]]}}),
        ("url elsewhere", {"json": {"data": [[file_data(ok, url="http://evil.example/x")]]}}),
    ]
    answers = {label: client.post("/gradio_api/call/upload", **request) for label, request in attempts}
    assert [label for label, r in answers.items() if r.status_code == 200] == []  # none got through
    for label, r in answers.items():
        assert r.status_code in (400, 415) and r.json()["error"].startswith(("files:", "Content-")), label
    assert client.post("/gradio_api/call/upload", content="[" * 5000 + "]" * 5000).status_code in (400, 422)
    history = [{"role": "user", "content": [{"file": file_data(secret), "type": "file"}]}]
    for route, data in [
        ("/gradio_api/run/upload", [[file_data(secret)]]),
        ("/gradio_api/call/respond", ["x", history]),
    ]:
        assert client.post(route, json={"data": data}).status_code == 400, route
    fn = next(d["id"] for d in client.get("/config").json()["dependencies"] if d.get("api_name") == "upload")
    join = {"data": [[file_data(secret)]], "fn_index": fn, "session_hash": "s1"}
    assert client.post("/gradio_api/queue/join", content=json.dumps(join)).status_code == 400
    time.sleep(0.5)
    api = httpx.Client(base_url=client.base_url, auth=LOGIN if login else None)
    assert not any(SECRET in h["text"] for h in api.get("/api/search", params={"q": SECRET, "k": 10}).json()["hits"])
    assert not any("secret" in r["source"] for r in api.get("/api/reports").json())
    copies = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and p.stat().st_ctime >= start]
    assert not [p for p in copies if SECRET.encode() in p.read_bytes()]  # not even a copy in Gradio's cache


def test_the_upload_handler_itself_reads_only_what_the_upload_route_wrote(site: Site, mine: Path) -> None:
    # the whole server with the guard in front of Gradio taken away (UploadsOnly before this fix) and
    # Gradio's own check off: the upload handler still reads no file the upload route did not write
    app = create_app(site.service)
    app.user_middleware = [m for m in app.user_middleware if m.cls.__name__ not in ("GradioGuard", "UploadsOnly")]
    gradio_app = next(r.app for r in app.routes if hasattr(getattr(r, "app", None), "get_blocks"))
    gradio_app.get_blocks().has_launched = False
    with serving_app(app) as url, httpx.Client(base_url=url, timeout=120) as client:
        said_ = gradio_result(client, "upload", [[file_data(str(site.secret))]])
        assert SECRET not in said_ and not any("secret" in r["source"] for r in site.service.reports())
        assert "不是通过本页上传的文件" in said_
    from ui.app import received_uploads

    got, stray = write_report(mine, "got.txt", "x"), write_report(mine, "stray.txt", "x")
    (mine / "link.txt").symlink_to(site.secret)
    dotdot = f"{mine}{'/..' * len(mine.resolve().parts)}{site.secret}"
    given = [str(got), str(stray), str(mine / "link.txt"), dotdot, str(site.secret), str(mine)]
    accepted, refused = received_uploads(given, {str(got), str(mine / "link.txt"), dotdot, str(site.secret)})
    assert accepted == [("got.txt", got.resolve())]
    assert refused == ["stray.txt", "link.txt", "secret.txt", "secret.txt", mine.name]


def test_uploads_need_the_login_a_report_type_and_do_not_stay(site: Site, mine: Path) -> None:
    assert httpx.post(f"{site.login}/gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 401
    folder = Path(get_upload_folder())
    client = logged_in(site.login)
    for name in ["tool.exe", "page.svg", "x.TXT.sh", "noext"]:
        r = client.post("/gradio_api/upload", files=[("files", ("a.txt", b"fine")), ("files", (name, b"MZ"))])
        assert r.status_code == 415 and "不支持的文件类型" in r.json()["error"], name
        assert not any(p.name == name for p in folder.rglob("*")), name
    sent = client.post("/gradio_api/upload", files={"files": ("上传区.txt", SMALL_REPORT.replace("测试区", "上传区"))})
    path = sent.json()[0]
    assert "已加入索引 1 份" in gradio_result(client, "upload", [[file_data(path)]])
    assert not Path(path).exists()  # indexed, so the uploaded copy is gone
    # leftovers of a stopped server: older than an hour go on start, fresh ones stay
    old, fresh = write_report(mine, "old.txt", "x"), write_report(mine, "fresh.txt", "x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    create_app(site.service)
    assert not old.exists() and fresh.exists()
    from ui.server import sweep_uploads

    assert sweep_uploads(mine, age=0) == 1 and not fresh.exists()


@pytest.mark.parametrize(
    ("route", "request_"),
    [
        ("/api/reports/upload", {"files": {"files": ("a.exe", b"MZ")}}),
        ("/api/ask", {"json": {"question": "法律明白人"}}),
        ("/api/reports/correct", {"json": {"report": "nope.txt"}}),
        ("/gradio_api/upload", {"files": {"files": ("a.exe", b"MZ")}}),
        ("/gradio_api/call/upload", {"json": {"data": [None]}}),
        ("/login", {"data": {"username": "a", "password": "b"}}),
    ],
)
def test_another_site_cannot_post_through_the_visitors_browser(site: Site, route: str, request_: dict) -> None:
    url = site.open
    port = url.rsplit(":", 1)[1]
    for foreign in [
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"referer": "http://evil.example/page.html"},
        {"origin": f"http://127.0.0.1:{int(port) + 1}"},
        {"origin": f"http://localhost:{port}"},  # the page's host is not the host asked
        {"origin": f"https://127.0.0.1:{port}"},
    ]:
        r = httpx.post(url + route, headers=foreign, **request_)
        assert r.status_code == 403 and r.json()["error"].startswith("Origin:"), (foreign, r.status_code)
    for same in [{"origin": url}, {"referer": f"{url}/?x=1"}, {}]:
        assert httpx.post(url + route, headers=same, **request_).status_code != 403, same


def test_a_host_that_is_not_this_server_is_refused(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    port = site.open.rsplit(":", 1)[1]
    for host in ["evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", f"localhost.evil.example:{port}"]:
        for path in ["/", "/api/health", "/gradio_api/info", "/config"]:
            r = httpx.get(site.open + path, headers={"host": host})
            assert r.status_code == 400 and r.json()["error"].startswith("Host:"), (host, path)
    for host in [f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "LOCALHOST"]:
        assert httpx.get(site.open + "/api/health", headers={"host": host}).status_code == 200, host
    monkeypatch.setenv("RAG_ALLOWED_HOSTS", " reports.example.org , intranet:8080,")
    from ui.server import hosts_from_env

    assert hosts_from_env() == ["reports.example.org", "intranet:8080"]
    with serving_app(create_app(site.service)) as url:
        assert httpx.get(url + "/api/health", headers={"host": "reports.example.org"}).status_code == 200
        assert httpx.get(url + "/api/health", headers={"host": "intranet"}).status_code == 200
        assert httpx.get(url + "/api/health", headers={"host": "evil.example"}).status_code == 400


@pytest.mark.browser
def test_report_text_is_shown_as_text_in_the_browser(chromium: Any, site: Site) -> None:
    page = chromium.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1100})
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(site.open + "/", wait_until="load")
    page.locator("#question textarea").fill(QUESTION)
    page.locator("#send").click()
    page.locator("#sources-panel .source-card").first.wait_for(timeout=60_000)
    chat, sources = page.locator("#chat").inner_text(), page.locator("#sources-panel").inner_text()
    assert f"注入区<img src={site.px}/pixel-unit>办公室" in chat and f"<img src={site.px}/pixel-quote>" in chat
    assert f"[链接]({site.px}/pixel-link)<a href={site.px}/pixel-a>点此</a>www.example.com {site.px}/" in chat
    assert f"<img src={site.px}/pixel-unit>" in sources and f"<a href={site.px}/pixel-a>" in sources
    # the only links are the answer's own [n] to its sources (issue 28): in-page anchors, never a report's
    foreign = "#chat a:not([href^='#a']), #chat img[src*=pixel], #sources-panel img, #sources-panel a"
    assert page.locator(foreign).count() == 0
    own = page.locator("#chat a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert own and all(re.fullmatch(r"#a\d+-s\d+", h) for h in own), own
    page.locator("#unit-filter input").click()  # the filter's choices, filled by the load event
    shows(page, "ul[role=listbox]", f"注入区<img src={site.px}/pixel-unit>办公室")
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="报告", exact=True).click()
    shows(page, "#reports", f"注入区<img src={site.px}/pixel-unit>办公室")
    page.get_by_role("tab", name="指标台账").click()
    page.locator("#ledger-indicator textarea").fill("主动公开政府信息")
    page.locator("#ledger-show").click()
    shows(page, "#ledger-table", f"注入区<img src={site.px}/pixel-unit>办公室")
    page.close()
    assert site.hits == [] and not [u for u in asked if "pixel" in u]


@pytest.mark.browser
def test_the_login_page_shows_nothing_of_the_index_and_logging_in_fills_it(chromium: Any, site: Site) -> None:
    page = chromium.new_page(locale="zh-CN")
    page.goto(site.login + "/", wait_until="load")
    page.locator("input[type=password]").wait_for(timeout=60_000)
    assert "霞山区" not in page.content() and "注入区" not in page.content()
    page.locator("input[type=text]").first.fill(LOGIN[0])
    page.locator("input[type=password]").fill(LOGIN[1])
    page.keyboard.press("Enter")
    page.locator("#question textarea").wait_for(timeout=60_000)
    page.locator("#unit-filter input").click()
    shows(page, "ul[role=listbox]", "霞山区人民政府办公室")
    page.close()


def test_each_rendering_function_escapes_what_a_report_says(site: Site) -> None:
    answer = site.service.ask(QUESTION)
    markdown, panel = answer_markdown(answer, QUESTION), sources_html(site.service, answer)
    assert "pixel\\-quote" in markdown and "pixel-unit" in panel
    for raw in ["<img", "<a ", "](", "](http", "http://", "www."]:
        assert raw not in markdown, raw
    assert "<img" not in panel and "<a " not in panel and "&lt;img src=" in panel
    from ui.review import md_text, said

    assert md_text("![x](http://a/b) **b** <i>") == "\\!\\[x\\]\\(http\\://a/b\\) \\*\\*b\\*\\* &lt;i&gt;"
    assert md_text("www.a.cn\n1. x") == "www\\.a.cn\n1\\. x" and md_text("secret.txt") == "secret.txt"
    line = said(InputError(f"--index: {site.index}/vectors.npy: <b>damaged</b>"))
    assert str(site.index) not in line and "<b>" not in line and "vectors.npy" in line
    # tables and charts draw their cells as text (Dataframe "str"/"number", Vega labels): raw text is right
    config = httpx.get(site.open + "/config").json()
    props = {c["props"].get("elem_id"): c["props"] for c in config["components"]}
    for table in ["reports", "value-table", "ledger-table", "outline-table"]:
        types = props[table]["datatype"]
        assert set([types] if isinstance(types, str) else types) <= {"str", "number"}, table
    for text in ["chat", "upload-status", "fix-status", "ledger-status"]:
        assert props[text]["latex_delimiters"] == [], text


def test_login_guesses_are_throttled(site: Site) -> None:
    api = httpx.Client(base_url=site.login, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    codes = [api.get("/api/health", auth=(LOGIN[0], f"guess{n}")).status_code for n in range(12)]
    assert codes == [401] * 5 + [429] * 7  # before: about 1,900 guesses a second; now five, then a minute
    locked = api.get("/api/health", auth=LOGIN)
    assert locked.status_code == 429 and 55 <= int(locked.headers["retry-after"]) <= 60
    assert locked.json()["error"].startswith("login:")
    assert httpx.get(f"{site.login}/api/health", auth=LOGIN).status_code == 200  # another client is not held up
    form = httpx.Client(base_url=site.login, transport=httpx.HTTPTransport(local_address="127.0.0.3"))
    tries = [form.post("/login", data={"username": LOGIN[0], "password": f"g{n}"}).status_code for n in range(8)]
    assert tries == [400] * 5 + [429] * 3
    assert form.post("/login", data={"username": LOGIN[0], "password": LOGIN[1]}).status_code == 429
    burst = httpx.Client(base_url=site.login, transport=httpx.HTTPTransport(local_address="127.0.0.4"))
    with concurrent.futures.ThreadPoolExecutor(16) as pool:  # sent at once, they are counted before checked
        sent = list(pool.map(lambda n: burst.post("/login", data={"username": "x", "password": str(n)}), range(32)))
    assert sorted(r.status_code for r in sent) == [400] * 5 + [429] * 27


def test_the_throttle_doubles_forgets_and_stays_small() -> None:
    from ui.server import Throttle

    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(5):
        assert throttle.wait("a") == 0
        throttle.failed("a")
    assert throttle.wait("a") == 60
    now[0] += 61
    throttle.failed("a")
    assert throttle.wait("a") == 120
    for _ in range(20):
        now[0] += 4000
        throttle.failed("a")
    assert throttle.wait("a") == 3600
    throttle.passed("a")
    assert throttle.wait("a") == 0
    for n in range(Throttle.KEEP + 10):
        throttle.failed(f"c{n}")
    assert len(throttle.failures) == Throttle.KEEP


def test_nothing_about_the_index_before_login_and_no_server_path_after(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = site.service.reports()
    assert any(r["source"].startswith(str(ROOT)) for r in rows)  # the seeds are indexed by absolute path
    told = {r["unit"] for r in rows} | {Path(r["source"]).name for r in rows} | {r["doc_id"] for r in rows}
    told |= {"霞山区", "埔前镇", "车站街道", "seeds", str(ROOT)}
    for path in ["/", "/config", "/gradio_api/info", "/gradio_api/openapi.json", "/manifest.json", "/theme.css"]:
        body = httpx.get(site.login + path).text
        assert not [t for t in told if t in body], path
    client = logged_in(site.login)
    assert "霞山区" in client.get("/config").text  # the example questions, once logged in
    paths = [str(ROOT), str(site.index.parent), str(Path.home() / ".cache")]
    bodies = [client.get(p).text for p in ["/", "/config", "/gradio_api/info"]]
    bodies += [gradio_result(client, "index_choices", []), gradio_result(client, "ledger_choices", [])]
    bodies += [client.get(p, auth=LOGIN).text for p in ["/api/reports", "/api/search?q=法治&k=20", "/api/outline"]]
    for body in bodies:
        assert not [p for p in paths if p in body]
    for error, status in [
        (InputError(f"--index: {site.index}/vectors.npy: damaged"), 400),
        (PermissionError(13, "no", str(site.index)), 500),
    ]:

        def failing(*args: Any, error: Exception = error, **kwargs: Any) -> Any:
            raise error

        monkeypatch.setattr(site.service, "reports", failing)
        monkeypatch.setattr(site.service, "correct", failing)
        r = httpx.get(f"{site.open}/api/reports")
        assert r.status_code == status and str(site.index) not in r.text and r.json()["error"], r.text
        if status == 400:
            shown = gradio_result(client, "correct", ["evil", "", "", "（不改）"])
            assert "vectors" in shown and str(site.index) not in shown


def test_oversized_bodies_are_refused_before_they_are_read_and_never_logged(site: Site, capfd: Any) -> None:
    capfd.readouterr()
    host = site.open.removeprefix("http://")
    for route, size in [("/api/reports/upload", 500), ("/gradio_api/upload", 402), ("/api/ask", 2), ("/login", 2)]:
        head = f"POST {route} HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        answer = raw_request(site.open, head + f"Content-Length: {size * 1024 * 1024}\r\n\r\n")  # no body sent at all
        assert answer.startswith("HTTP/1.1 413") and '"error":"body: larger than' in answer, route
    marker = "MARKERQQ" * 40_000  # 320 KB, under the 1 MB limit, sent where Gradio would echo it
    for route in ["/api/ask", "/gradio_api/queue/join", "/gradio_api/call/respond"]:
        head = f"POST {route} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n"
        answer = raw_request(site.open, head, (marker.encode(),) * 8)  # 2.5 MB in chunks, no length said
        assert answer.startswith("HTTP/1.1 413"), route
    with httpx.Client(base_url=site.open, timeout=60) as client:
        said_ = gradio_result(client, "respond", ["法律明白人", [], marker, "全部年度", "全部类型", ""])
        assert "不是可选的值" in said_ and marker not in said_
        assert "2000" in client.post("/api/ask", json={"question": marker}).json()["error"]
        big = b"\xe6\xb5\x8b" * (7 * 1024 * 1024 + 1)  # 21 MB: not written past 20 MB, listed as too large
        files = [("files", ("big.txt", big)), ("files", ("x.exe", b"MZ"))]
        sent = client.post("/api/reports/upload", files=files, timeout=300).json()
        assert dict(map(tuple, sent["skipped"]))["big.txt"] == "larger than 20 MB"
    out = capfd.readouterr()
    assert "MARKERQQ" not in out.out + out.err and len(out.err) < 20_000


def test_an_api_upload_never_holds_more_than_the_limit_of_a_file_on_disk(tmp_path: Path) -> None:
    from python_multipart.multipart import MultipartParser

    from rag.api import _Files

    files = _Files(tmp_path, limit=100_000)
    parser = MultipartParser(b"b", {n: getattr(files, n) for n in dir(files) if n.startswith("on_")})
    parser.write(b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n')
    for _ in range(300):  # a 3 MB file, 30 times the limit
        parser.write(b"x" * 10_000)
        assert sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()) <= 100_000
    parser.write(b'\r\n--b\r\nContent-Disposition: form-data; name="files"; filename="ok.txt"\r\n\r\nfine\r\n--b--\r\n')
    assert files.too_large == [("big.txt", "larger than 0 MB")] and [n for n, _ in files.staged] == ["ok.txt"]


def test_head_answers_as_get_and_other_methods_are_405(site: Site) -> None:
    for path in ["/api/health", "/api/reports", "/api/search?q=法治"]:
        get, head = httpx.get(site.open + path), httpx.head(site.open + path)
        assert head.status_code == get.status_code == 200 and head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"] == "application/json"
    head = httpx.head(site.open + "/api/ask")
    assert head.status_code == 405 and head.headers["allow"] == "POST" and head.content == b""
    for method, path, allow in [("TRACE", "/api/health", "GET, HEAD"), ("PROPFIND", "/api/ask", "POST")]:
        r = httpx.request(method, site.open + path)
        assert r.status_code == 405 and r.headers["allow"] == allow and method in r.json()["error"]
    assert httpx.request("TRACE", site.open + "/api/nothing").status_code == 405
    assert httpx.head(site.login + "/api/health").status_code == 401
    assert httpx.head(site.login + "/api/health", auth=LOGIN).status_code == 200
