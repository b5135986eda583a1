"""The README's commands work as shown: each ``curl`` in it is run against a live server.

Found when tried as a new user would: the README's Open311 POST answered 400 (attribute ``where`` required).
The commands are read out of README.md itself, so the text and this test cannot drift apart. What a reader
fills in by hand (the token from the first answer, the request id from the POST) is filled in the same way.
"""

from __future__ import annotations

import json
import re
import shlex
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[3] / "README.md"
SHOWN_HOST = "http://127.0.0.1:8000"


def readme_curls() -> list[tuple[list[str], str]]:
    """Every curl command of the README's sh blocks, with the "# …" answer printed under it (if any)."""
    commands: list[tuple[list[str], str]] = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("curl "):
                commands.append((shlex.split(line), ""))
            elif line.startswith("# ") and commands and line[2:3] in "[{":
                commands[-1] = (commands[-1][0], line[2:])
    return commands


def run_curl(argv: list[str], base: str) -> tuple[int, Any]:
    """What curl would do with the options the README uses (-s, -X, -H, -d, --data-urlencode)."""
    method, headers, url = "GET", {}, ""
    body: bytes | None = None
    form: list[str] = []
    args = iter(argv[1:])
    for arg in args:
        if arg == "-s":
            continue
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            body, method = next(args).encode(), "POST" if method == "GET" else method
        elif arg == "--data-urlencode":
            name, _, value = next(args).partition("=")
            form.append(f"{name}={urllib.parse.quote(value)}")
            method = "POST" if method == "GET" else method
        elif arg.startswith("http"):
            url = arg.replace(SHOWN_HOST, base)
        else:
            raise AssertionError(f"the README uses a curl option this test does not know: {arg}")
    if form:
        body = "&".join(form).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 - our live server
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our live server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_readme_commands_work_as_shown(live_server, transactional_db):
    commands = readme_curls()
    assert len(commands) >= 4, "the README's token and Open311 examples"
    token = request_id = ""
    for argv, shown in commands:
        argv = [a.replace("Bearer gz_…", f"Bearer {token}") for a in argv]
        argv = [re.sub(r"/requests/\d+\.json", f"/requests/{request_id}.json", a) for a in argv]
        status, answer = run_curl(argv, live_server.url)
        assert 200 <= status < 300, (argv, status, answer)
        if shown:  # the answer has the shape the README prints
            expected = json.loads(shown)
            first = answer[0] if isinstance(answer, list) else answer
            assert set(expected[0] if isinstance(expected, list) else expected) <= set(first), (shown, answer)
        if isinstance(answer, dict) and "token" in answer:
            token = answer["token"]
        if isinstance(answer, list) and answer and "service_request_id" in answer[0]:
            request_id = answer[0]["service_request_id"]
    assert token and request_id
