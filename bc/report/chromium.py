"""Headless Chromium, driven over the DevTools protocol on a pipe, with the standard library only.

With --remote-debugging-pipe, chromium reads commands on its fd 3 and writes replies and
events on its fd 4, each one JSON object ended by a NUL byte: no port to pick, nothing to
reach over a network, so it runs in a test's sandbox as it does anywhere.

    with chromium.host_browser(width=800, height=600) as browser:
        browser.open("report.html")
        browser.click("td.fail")
        text = browser.evaluate("document.querySelector('#detail').textContent")
        browser.screenshot(os.path.join(os.environ["TEST_UNDECLARED_OUTPUTS_DIR"], "report.png"))

Every wait has a deadline (Browser.timeout, in seconds): a chromium that hangs or dies raises
ChromiumError saying what was awaited, with the end of chromium's own output. Leaving the
`with` block kills chromium's process group, whatever happened inside it.
"""

import base64
import fcntl
import json
import math
import os
import pathlib
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

FLAGS = (
    "--headless",
    # Chromium refuses to start as root with its own sandbox, and that sandbox cannot nest in
    # Bazel's: the test's sandbox confines it instead.
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    # Nothing but the page: no update checks, no sync, no component downloads (the test has no network anyway).
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A page taller than the window lays out at the window's full width, and screenshots show no scrollbar.
    "--hide-scrollbars",
)

# What a click needs from the page: the element's centre once it is scrolled into view, or why
# a real click there would not reach it. Run with the selector (a JSON string) appended in parentheses.
_CENTRE_OF = """(selector => {
  const element = document.querySelector(selector);
  if (!element) return {error: "no element matches it"};
  element.scrollIntoView({block: "center", inline: "center"});
  const box = element.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return {error: "its element has no size (hidden?)"};
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const hit = document.elementFromPoint(x, y);
  if (!element.contains(hit)) {
    return {error: "its centre is covered by " + (hit ? hit.outerHTML.slice(0, 80) : "nothing in the viewport")};
  }
  return {x, y};
})"""


class ChromiumError(Exception):
    """Chromium failed or hung, or a page did not allow what was asked of it."""


class Browser:
    """One headless chromium with one page (a tab) of width x height CSS pixels.

    binary: chromium's executable (Debian: /usr/lib/chromium/chromium, not the /usr/bin wrapper script).
    recorded_version: the `chromium --version` output that @chromium recorded; if given, a browser
      of another version raises ChromiumError saying how to record it again.
    timeout: seconds that any one reply, event or page load may take; an attribute, which may change.

    version is what the running browser calls itself (Chrome/156.0.8078.114); pid is its process
    id, which is also its process group's.
    """

    def __init__(self, binary, width=800, height=600, recorded_version=None, timeout=30.0):
        self.timeout = timeout
        self._events = []
        self._buffer = bytearray()
        self._last_id = 0
        self._session = None
        self._process = None
        # The profile and chromium's output live in the test's own temporary directory where there is one.
        self._directory = tempfile.mkdtemp(prefix="chromium-", dir=os.environ.get("TEST_TMPDIR"))
        try:
            self._start(binary)
            self.pid = self._process.pid
            self.version = self._send("Browser.getVersion")["product"]
            if recorded_version is not None and _number(recorded_version) != _number(self.version):
                raise ChromiumError(
                    "chromium changed since @chromium was made (recorded %s, running %s): run "
                    "`bazel sync --only=chromium` to record the new one"
                    % (_number(recorded_version), _number(self.version))
                )
            target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self._send("Page.enable")
            self._send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def open(self, path):
        """Shows the file at path, and returns once its load event fired (its scripts ran, its images loaded)."""
        # Events of an earlier page, such as its load event, must not satisfy this wait.
        self._events.clear()
        result = self._send("Page.navigate", {"url": pathlib.Path(path).absolute().as_uri()})
        if result.get("errorText"):
            raise ChromiumError("chromium could not open %s: %s" % (path, result["errorText"]))
        self._await_event("Page.loadEventFired")

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page, as JSON brings it; a promise is awaited."""
        result = self._send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        # A JavaScript exception is a successful reply that describes it, not a protocol error.
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            thrown = details.get("exception", {}).get("description") or details.get("text")
            raise ChromiumError("JavaScript threw %s\nwhile evaluating: %s" % (thrown, expression))
        return result["result"].get("value")

    def click(self, selector):
        """Clicks the centre of the first element matching a CSS selector, as a mouse would.

        The element is scrolled into view first. The page sees trusted events (event.isTrusted):
        the mouse moves there, presses and releases the left button.
        """
        centre = self.evaluate("%s(%s)" % (_CENTRE_OF, json.dumps(selector)))
        if "error" in centre:
            raise ChromiumError("cannot click %r: %s" % (selector, centre["error"]))
        for kind, button in (("mouseMoved", "none"), ("mousePressed", "left"), ("mouseReleased", "left")):
            self._send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": centre["x"], "y": centre["y"], "button": button, "clickCount": 1},
            )

    def screenshot(self, path):
        """Writes a PNG of the whole page, beyond the viewport too, to path."""
        size = self._send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": math.ceil(size["width"]), "height": math.ceil(size["height"]), "scale": 1}
        data = self._send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
        with open(path, "wb") as file:
            file.write(base64.b64decode(data["data"]))

    def close(self):
        """Kills chromium and every process it started, removes its files, and returns once they are gone."""
        alive = []
        if self._process is not None:
            # No graceful Browser.close: the profile is thrown away, a hung chromium would not answer,
            # and its zygotes are left for init to reap either way. (Crashpad's handlers, in sessions
            # of their own, exit as soon as chromium is gone.)
            group = self._process.pid
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:  # chromium exited, and took every process it started along
                pass
            self._process.wait()
            os.close(self._commands)
            os.close(self._replies)
            self._process = None
            deadline = time.monotonic() + self.timeout
            while (alive := _live_processes(group)) and time.monotonic() < deadline:
                time.sleep(0.01)
        # The profile links to a directory chromium made in the system's temporary directory for its
        # singleton socket (whose path must stay short); chromium removes it only when it closes itself.
        socket = os.path.join(self._directory, "profile", "SingletonSocket")
        if os.path.islink(socket):
            shutil.rmtree(os.path.dirname(os.readlink(socket)), ignore_errors=True)
        shutil.rmtree(self._directory, ignore_errors=True)
        if alive:
            raise ChromiumError("chromium's processes %s outlived SIGKILL by %g s" % (alive, self.timeout))

    def _start(self, binary):
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def onto_fds_3_and_4():
            # Runs in the child before exec. Either pipe end may itself be fd 3 or 4: copy both
            # above them first, so that one dup2 cannot close the other's source.
            commands, replies = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_read, replies_write))
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        profile = os.path.join(self._directory, "profile")
        # Chromium also writes beside the profile: crash reports under ~/.config, dconf and font
        # caches under ~/.cache. A home of its own keeps them in its directory too.
        home = os.path.join(self._directory, "home")
        environment = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home + "/.config", XDG_CACHE_HOME=home + "/.cache")
        try:
            with open(os.path.join(self._directory, "output.log"), "wb") as output:
                self._process = subprocess.Popen(
                    [binary, *FLAGS, "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank"],
                    env=environment,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=output,
                    pass_fds=(3, 4),
                    preexec_fn=onto_fds_3_and_4,
                    # A process group of its own, so that close() can kill it with all it started.
                    start_new_session=True,
                )
        except OSError as error:
            os.close(self._commands)
            os.close(self._replies)
            raise ChromiumError("cannot start chromium %s: %s" % (binary, error)) from None
        finally:
            # Chromium must hold the only copies of its ends: then its exit is an end of file here.
            os.close(commands_read)
            os.close(replies_write)
        os.set_blocking(self._commands, False)

    def _send(self, method, params=None):
        self._last_id += 1
        message = {"id": self._last_id, "method": method, "params": params or {}}
        # Page-level domains are reached through the page's session; without it chromium answers
        # that the method does not exist.
        if self._session and not method.startswith(("Browser.", "Target.")):
            message["sessionId"] = self._session
        awaited = "reply to " + method
        deadline = time.monotonic() + self.timeout
        self._write(json.dumps(message).encode() + b"\0", deadline, awaited)
        while True:
            reply = self._read(deadline, awaited)
            if reply.get("id") == self._last_id:
                break
            # Events arrive between replies; a late reply to a command that timed out is dropped.
            if "method" in reply:
                self._events.append(reply)
        if "error" in reply:
            raise ChromiumError("chromium refused %s %s: %s" % (method, json.dumps(params), reply["error"]))
        return reply["result"]

    def _await_event(self, method):
        deadline = time.monotonic() + self.timeout
        awaited = "event " + method
        while True:
            for index, event in enumerate(self._events):
                if event["method"] == method and event.get("sessionId") == self._session:
                    return self._events.pop(index)
            message = self._read(deadline, awaited)
            if "method" in message:
                self._events.append(message)

    def _write(self, data, deadline, awaited):
        while data:
            # A full pipe: chromium reads no more commands.
            self._wait_for(self._commands, deadline, "chromium took no command for the %s" % awaited, write=True)
            try:
                data = data[os.write(self._commands, data) :]
            except BrokenPipeError:
                raise self._failure("chromium closed its command pipe (%s): no %s" % (self._status(), awaited))

    def _read(self, deadline, awaited):
        while (end := self._buffer.find(0)) < 0:
            self._wait_for(self._replies, deadline, "no %s from chromium" % awaited)
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise self._failure("chromium closed its pipe (%s): no %s" % (self._status(), awaited))
            self._buffer += chunk
        message = json.loads(self._buffer[:end])
        del self._buffer[: end + 1]
        return message

    def _wait_for(self, fd, deadline, failure, write=False):
        remaining = deadline - time.monotonic()
        if remaining > 0 and any(select.select([] if write else [fd], [fd] if write else [], [], remaining)):
            return
        raise self._failure("%s within %g s (%s)" % (failure, self.timeout, self._status()))

    def _status(self):
        code = self._process.poll()
        return "still running" if code is None else "exit status %d" % code

    def _failure(self, what):
        try:
            with open(os.path.join(self._directory, "output.log"), errors="replace") as output:
                tail = output.readlines()[-20:]
        except OSError:
            tail = []
        return ChromiumError(what + "".join(["\nchromium's output ends:\n"] + tail if tail else []))


def host_browser(width=800, height=600, timeout=30.0):
    """@chromium's browser, in a test that browser_test (bc/report/defs.bzl) made.

    That macro names @chromium's binary and its recorded version in the test's data, and their
    paths in $CHROMIUM and $CHROMIUM_VERSION.
    """
    try:
        binary, version_file = os.environ["CHROMIUM"], os.environ["CHROMIUM_VERSION"]
    except KeyError as missing:
        raise ChromiumError(
            "%s is not set: make the test with browser_test (bc/report/defs.bzl), which names @chromium" % missing
        ) from None
    with open(version_file) as file:
        recorded = file.read()
    return Browser(binary, width=width, height=height, recorded_version=recorded, timeout=timeout)


def _live_processes(group):
    """The processes of a process group that have not exited: zombies have (they wait for init to reap them)."""
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as file:
                stat = file.read()
        except OSError:
            continue
        # State, parent and group follow the command name, which is in parentheses and may hold anything.
        state, _, pgrp = stat.rpartition(")")[2].split()[:3]
        if int(pgrp) == group and state != "Z":
            alive.append(int(pid))
    return alive


def _number(version):
    """156.0.8078.114 of both `Chromium 156.0.8078.114 ` (--version) and `Chrome/156.0.8078.114` (Browser.getVersion)."""
    found = re.search(r"\d+(\.\d+)+", version)
    return found.group(0) if found else version.strip()
