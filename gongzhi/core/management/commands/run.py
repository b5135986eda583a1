"""Start the web server (gunicorn, WSGI) and the task worker together; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from gongzhi.core.demo import DEMO_PASSWORD, demo_accounts


class Command(BaseCommand):
    help = "同时启动网站和后台任务进程，Ctrl-C 全部停止 / Start the web server and the task worker; Ctrl-C stops both"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--bind", default=os.environ.get("GONGZHI_BIND", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("GONGZHI_WEB_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("GONGZHI_WEB_THREADS", "4")))
        parser.add_argument("--no-worker", action="store_true", help="不启动任务进程 / do not start the task worker")

    def handle(self, *args: Any, **o: Any) -> None:
        bin_dir = os.path.dirname(sys.executable)
        web = [
            os.path.join(bin_dir, "gunicorn"),
            "gongzhi.wsgi:application",
            "--config",
            "python:gongzhi.gunicorn_conf",
            "--bind",
            f"{o['bind']}:{o['port']}",
            "--workers",
            str(o["workers"]),
            "--threads",
            str(o["threads"]),
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        worker = [sys.executable, "-m", "django", "db_worker", "--no-reload", "--interval", "0.5"]
        clock = [sys.executable, "-m", "django", "scheduler"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gongzhi.settings"}
        procs = [subprocess.Popen(web, env=env)]  # noqa: S603
        if not o["no_worker"]:
            procs.append(subprocess.Popen(worker, env=env))  # noqa: S603
            procs.append(subprocess.Popen(clock, env=env))  # noqa: S603

        stopping = False

        def stop(*_a: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        url = f"http://{'127.0.0.1' if o['bind'] in ('0.0.0.0', '::') else o['bind']}:{o['port']}/"  # noqa: S104
        self._announce(url)
        code = 0
        try:
            while not stopping:
                for p in procs:
                    if p.poll() is not None:
                        self.stderr.write(f"进程退出 / process exited: {p.args[0]} (code {p.returncode})")
                        stopping, code = True, p.returncode or 1
                time.sleep(0.3)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            deadline = time.time() + 15
            for p in procs:
                try:
                    p.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    p.kill()
            self.stdout.write("已停止 / stopped")
        sys.exit(code)

    def _announce(self, url: str) -> None:
        for _ in range(100):
            try:
                with urllib.request.urlopen(url + "health", timeout=1):  # noqa: S310 - our own loopback server
                    break
            except OSError:
                time.sleep(0.2)
        db = settings.DATABASES["default"]
        lines = [
            "",
            f"共治已启动 / gongzhi is running: {url}",
            f"  登录 login: {url}login/   接口文档 API docs: {url}api/v1/docs",
            f"  数据库 database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}",
            f"  演示账号（密码 {DEMO_PASSWORD}）/ demo accounts (password {DEMO_PASSWORD}):",
            *[f"    {a.username:<14} {a.description}" for a in demo_accounts()],
            "  按 Ctrl-C 停止 / press Ctrl-C to stop",
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
