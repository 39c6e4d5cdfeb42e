"""bc/report/chromium.py in @chromium's browser: colours by class, a real click, a full-page screenshot,
and the failures a report's test must see as failures (a hung or changed chromium, a missing element)."""

import os
import signal
import struct
import time
import zlib

import pytest

from bc.report import chromium

WIDTH, HEIGHT = 320, 240

# The far box lies below the first screen: clicking it needs scrolling, and only a full-page
# screenshot shows it.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><style>
  body { margin: 0; font: 16px sans-serif; }
  table { border-collapse: collapse; }
  td { width: 120px; height: 40px; padding: 0; text-align: center; }
  td.pass { background: rgb(40, 160, 60); }
  td.fail { background: rgb(200, 30, 30); color: white; font-weight: bold; cursor: pointer; }
  #detail { display: none; height: 60px; background: rgb(250, 230, 120); }
  #spacer { height: 600px; }
  #far { width: 200px; height: 50px; background: rgb(30, 60, 200); color: white; }
</style></head><body>
<table><tr><td class="pass" id="linear">test_linear</td><td class="fail" id="lstm">test_lstm</td></tr></table>
<div id="detail"></div>
<div id="spacer"></div>
<div id="far">far</div>
<script>
  document.getElementById("lstm").addEventListener("click", event => {
    const detail = document.getElementById("detail");
    detail.textContent = "test_lstm failed (trusted: " + event.isTrusted + ")";
    detail.style.display = "block";
  });
  document.getElementById("far").addEventListener("click", event => {
    event.target.textContent = "clicked (trusted: " + event.isTrusted + ")";
  });
</script></body></html>
"""

GREEN, RED, YELLOW, BLUE = (40, 160, 60), (200, 30, 30), (250, 230, 120), (30, 60, 200)

# An element's box in page coordinates, whatever the scroll position.
BOX = """(box => [box.left + scrollX, box.top + scrollY, box.width, box.height])
    (document.querySelector(%r).getBoundingClientRect())"""


@pytest.fixture(scope="module")
def browser():
    with chromium.host_browser(width=WIDTH, height=HEIGHT) as browser:
        yield browser


@pytest.fixture
def page(browser, tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    browser.open(path)
    return browser


def test_the_running_chromium_is_the_recorded_one(browser):
    with open(os.environ["CHROMIUM_VERSION"]) as file:
        recorded = file.read().split()
    assert recorded[0] == "Chromium"
    assert browser.version.endswith("/" + recorded[1])


def test_cells_have_their_class_colour(page):
    colours = page.evaluate(
        "[...document.querySelectorAll('td')].map(td => [td.className, getComputedStyle(td).backgroundColor])"
    )
    assert colours == [["pass", "rgb(40, 160, 60)"], ["fail", "rgb(200, 30, 30)"]]


def test_a_real_click_opens_the_detail(page):
    assert page.evaluate("getComputedStyle(document.getElementById('detail')).display") == "none"
    page.click("td.fail")
    detail = page.evaluate(
        "(d => [getComputedStyle(d).display, d.textContent])(document.getElementById('detail'))"
    )
    assert detail == ["block", "test_lstm failed (trusted: true)"]


def test_a_click_below_the_screen_scrolls_to_it(page):
    assert page.evaluate("document.getElementById('far').getBoundingClientRect().top") > HEIGHT
    page.click("#far")
    assert page.evaluate("document.getElementById('far').textContent") == "clicked (trusted: true)"


def test_the_screenshot_is_the_whole_page_as_shown(page):
    page.click("td.fail")
    path = os.path.join(os.environ["TEST_UNDECLARED_OUTPUTS_DIR"], "chromium_test.png")
    page.screenshot(path)
    width, height, pixel = read_png(path)
    assert [width, height] == page.evaluate("[document.documentElement.scrollWidth, document.body.scrollHeight]")
    assert height > HEIGHT
    for selector, colour in [("#linear", GREEN), ("#lstm", RED), ("#detail", YELLOW), ("#far", BLUE)]:
        left, top, box_width, box_height = page.evaluate(BOX % selector)
        # Near the bottom right corner, away from the text.
        x, y = int(left + box_width) - 3, int(top + box_height) - 3
        assert pixel(x, y) == colour, "%s at (%d, %d) in %s" % (selector, x, y, path)
    # The failed case's name is drawn in white on red: fonts are there.
    left, top, box_width, box_height = page.evaluate(BOX % "#lstm")
    cell = [pixel(x, y) for x in range(int(left), int(left + box_width)) for y in range(int(top), int(top + box_height))]
    assert sum(rgb == (255, 255, 255) for rgb in cell) > 50, "no text drawn in #lstm in %s" % path


def test_clicking_nothing_names_the_selector(page):
    with pytest.raises(chromium.ChromiumError, match=r"cannot click 'td\.missing': no element matches it"):
        page.click("td.missing")
    with pytest.raises(chromium.ChromiumError, match=r"cannot click '#detail': its element has no size"):
        page.click("#detail")


def test_a_javascript_exception_is_raised_with_its_text(page):
    with pytest.raises(chromium.ChromiumError, match="JavaScript threw Error: boom"):
        page.evaluate("throw new Error('boom')")
    with pytest.raises(chromium.ChromiumError, match="JavaScript threw TypeError: late boom"):
        page.evaluate("new Promise((resolve, reject) => setTimeout(() => reject(new TypeError('late boom')), 10))")


def test_a_missing_page_is_named(browser, tmp_path):
    with pytest.raises(chromium.ChromiumError, match="could not open .*absent.html: net::ERR_FILE_NOT_FOUND"):
        browser.open(tmp_path / "absent.html")


def test_a_hung_chromium_fails_in_time_and_leaves_no_process():
    with pytest.raises(chromium.ChromiumError, match=r"no reply to Runtime\.evaluate from chromium within 2 s"):
        with chromium.Browser(os.environ["CHROMIUM"]) as hung:
            # Started with the default timeout: a loaded machine may take seconds to start chromium.
            hung.timeout = 2
            group = hung.pid
            # Every process of it stopped: none can exit on its own, each must be killed.
            os.killpg(group, signal.SIGSTOP)
            start = time.monotonic()
            try:
                hung.evaluate("1 + 1")
            finally:
                waited = time.monotonic() - start
    assert 2 <= waited < 10
    assert chromium._live_processes(group) == []


def test_a_changed_chromium_is_refused_with_the_remedy():
    running = set(live_processes_of(os.environ["CHROMIUM"]))
    with pytest.raises(chromium.ChromiumError) as refused:
        chromium.Browser(os.environ["CHROMIUM"], recorded_version="Chromium 1.2.3.4 \n")
    assert str(refused.value).startswith("chromium changed since @chromium was made (recorded 1.2.3.4, running 1")
    assert str(refused.value).endswith("run `bazel sync --only=chromium` to record the new one")
    assert set(live_processes_of(os.environ["CHROMIUM"])) <= running


def read_png(path):
    """Width, height and the (r, g, b) at (x, y) of the 8-bit, non-interlaced RGB(A) PNG chromium writes."""
    with open(path, "rb") as file:
        data = file.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    position, compressed = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
    assert (depth, colour_type, interlace) in [(8, 2, 0), (8, 6, 0)], (depth, colour_type, interlace)
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    raw = zlib.decompress(compressed)
    rows, previous = [], bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - up_left
                nearest = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - up_left), 2, up_left))
                line[i] = (line[i] + nearest[2]) & 255
        rows.append(line)
        previous = line
    return width, height, lambda x, y: tuple(rows[y][x * channels : x * channels + 3])


def proc_stats():
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as file:
                yield int(pid), file.read().rpartition(")")[2].split()
        except OSError:
            pass


def live_processes_of(binary):
    def runs(pid):
        try:
            return os.path.realpath("/proc/%d/exe" % pid) == os.path.realpath(binary)
        except OSError:
            return False

    return [pid for pid, fields in proc_stats() if fields[0] != "Z" and runs(pid)]


def test_a_browser_that_cannot_start_says_which(tmp_path):
    with pytest.raises(chromium.ChromiumError, match="cannot start chromium %s/missing: " % tmp_path):
        chromium.Browser(str(tmp_path / "missing"))
