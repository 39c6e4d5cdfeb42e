"""A real HTTP remote cache on loopback: nginx with WebDAV (tools/ci/cache/nginx.conf).

    tools/ci/cache_server.py start DIR    prints the --remote_cache URL
    tools/ci/cache_server.py stop DIR

or, from Python, `with CacheServer() as url: ...` (in a directory of its own,
removed afterwards). Everything it writes (config, cache root, logs, pid)
stays in DIR. As root, nginx's workers run as nobody: DIR must be reachable
by them (its parents searchable by others, as /tmp is).
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cache", "nginx.conf")
NGINX = "/usr/sbin/nginx"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CacheServer:
    def __init__(self, directory=None):
        if directory is None:
            directory = tempfile.mkdtemp(prefix="quant-bc-cache-server-")
            os.chmod(directory, 0o755)
        self.directory = os.path.abspath(directory)
        self.config = os.path.join(self.directory, "nginx.conf")
        self.port = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        if not os.path.exists(NGINX):
            raise SystemExit("nginx is missing: tools/setup nginx-light installs it")
        for sub in ("cache", "tmp"):
            os.makedirs(os.path.join(self.directory, sub), exist_ok=True)
        self.port = free_port()
        # As root, nginx's workers run as nobody: they must own what they write.
        user = ""
        if os.geteuid() == 0:
            user = "user nobody nogroup;"
            self._check_reachable_by_others()
            nobody = pwd.getpwnam("nobody")
            for sub in ("cache", "tmp"):
                os.chown(os.path.join(self.directory, sub), nobody.pw_uid, nobody.pw_gid)
        with open(TEMPLATE, encoding="utf-8") as f:
            config = f.read()
        config = config.replace("@USER@", user).replace("@DIR@", self.directory).replace("@PORT@", str(self.port))
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(config)
        subprocess.run([NGINX, "-c", self.config, "-p", self.directory], check=True)
        self._wait_until_serving()
        with open(os.path.join(self.directory, "url"), "w") as f:
            f.write(self.url + "\n")
        return self.url

    def _check_reachable_by_others(self):
        path = self.directory
        while path != os.path.dirname(path):
            if not os.stat(path).st_mode & 0o001:
                raise SystemExit(
                    "nginx's workers (user nobody) cannot reach %s: %s is not searchable by others; "
                    "put the cache directory under /tmp, or chmod o+x %s" % (self.directory, path, path)
                )
            path = os.path.dirname(path)

    def _wait_until_serving(self):
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(self.url + "/ac/ping", timeout=1)
            except urllib.error.HTTPError:
                return  # 404: serving
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("nginx did not start; see %s/error.log" % self.directory)
                time.sleep(0.1)
            else:
                return

    def stop(self):
        pid_file = os.path.join(self.directory, "nginx.pid")
        try:
            with open(pid_file) as f:
                pid = int(f.read())
        except (FileNotFoundError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGQUIT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while os.path.exists(pid_file) and time.monotonic() < deadline:
            time.sleep(0.1)

    def size(self):
        total = 0
        for root, _, files in os.walk(os.path.join(self.directory, "cache")):
            total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        return total

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        raise SystemExit("usage: cache_server.py start|stop DIR")
    server = CacheServer(argv[2])
    if argv[1] == "start":
        print(server.start())
    else:
        server.stop()


if __name__ == "__main__":
    main(sys.argv)
