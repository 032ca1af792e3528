"""The report in a real headless Chromium, with every request routed to a local trap:
it renders, prints to a sane number of A4 pages, uses a CJK font, and asks for nothing."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from compliance import workflow
from compliance.standard import load_standard

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium: scripts/test installs Debian's chromium where apt-get is available")


# Chromium's own background services (time, component updates, accounts) still call home in
# headless mode; they are the browser's, not the page's, and are told apart by host.
BROWSER_OWN = (".google.com", ".googleapis.com", ".gvt1.com", ".gstatic.com")


class RequestTrap:
    """A TCP listener used as Chromium's proxy for everything: any request lands here."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hosts: list[str] = []
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                line = conn.recv(1024).split(b"\r\n", 1)[0].decode("latin-1")
            except OSError:
                line = "? unreadable"
            conn.close()
            target = line.split(" ")[1] if " " in line else line
            host = target.split("://")[-1].split("/")[0].split(":")[0]
            self.hosts.append(host)

    @property
    def page_requests(self) -> list[str]:
        return [h for h in self.hosts if not h.endswith(BROWSER_OWN)]

    def close(self):
        self._stop = True
        self.thread.join(1)
        self.sock.close()


def chromium_trapped(tmp_path, *args):
    """Run Chromium with every request sent to a fresh trap; return (process, trap)."""
    trap = RequestTrap()
    try:
        return chromium(tmp_path, trap, *args), trap
    finally:
        trap.close()


def chromium(tmp_path, trap, *args):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-default-apps", "--disable-extensions",
           f"--user-data-dir={tmp_path / 'profile'}",
           f"--proxy-server=http://127.0.0.1:{trap.port}", "--proxy-bypass-list=<-loopback>",
           *args]
    return subprocess.run(cmd, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    standard = load_standard("dongying")
    plan = workflow.load_plan(str(ROOT / "samples" / "dongying-shared.geojson"), standard)
    from compliance.settings import Options

    result = workflow.run(plan, standard, Options())
    path = folder / "dongying-shared.html"
    workflow.write(result, str(path), "html", "zh")
    return path, len(result.parcels)


def test_renders_offline_without_requests(tmp_path, report):
    path, _ = report
    shot = tmp_path / "shot.png"
    done, trap = chromium_trapped(tmp_path, "--window-size=1200,1600", f"--screenshot={shot}",
                                  path.as_uri())
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert trap.page_requests == [], "the report tried to load something from the network"


def test_prints_to_clean_a4_pdf_with_cjk_font(tmp_path, report):
    path, parcels = report
    pdf = tmp_path / "report.pdf"
    done, trap = chromium_trapped(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                                  path.as_uri())
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    raw = pdf.read_bytes()
    pages = raw.count(b"/Type /Page") - raw.count(b"/Type /Pages")
    if pages <= 0:
        pages = raw.count(b"/Type/Page") - raw.count(b"/Type/Pages")
    # One page per parcel (each starts a page) plus the summary and method: 5 parcels → 6..15.
    assert parcels + 1 <= pages <= 3 * parcels, pages
    # A4 is 595 × 842 points.
    boxes = {tuple(round(float(v)) for v in m.split()[2:])
             for m in re.findall(rb"/MediaBox ?\[([^\]]*)\]", raw)}
    assert boxes == {(595, 842)}, boxes
    if shutil.which("fc-list") and b"CJK" in subprocess.run(["fc-list"], capture_output=True).stdout:
        assert b"CJK" in raw, "Chinese was not set in a CJK font"
    assert trap.page_requests == []


def test_the_trap_catches_a_page_request(tmp_path):
    # Positive control: a page that loads an image from outside is caught.
    page = tmp_path / "leaky.html"
    page.write_text('<html><body><img src="http://tiles.example.org/1/2/3.png"></body></html>')
    _, trap = chromium_trapped(tmp_path, f"--screenshot={tmp_path / 'x.png'}", page.as_uri())
    assert "tiles.example.org" in trap.page_requests
