"""A real nginx (Debian's package) in front of `arsnova serve` nodes, configured from deploy/.

The test configuration takes deploy/nginx.conf's `map` and `upstream` blocks
(the upstream's servers replaced by the nodes, their `max_fails` and
`fail_timeout` kept) and includes deploy/nginx-arsnova.conf in a plain-HTTP
server on a free loopback port: the failover tests run what is deployed.
nginx runs in the foreground as a child, everything it writes in its folder.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import free_port
from tests.helpers import WAIT
from tests.serve import Serve, until_ready

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
START_TIMEOUT = 10
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
OPENSSL = shutil.which("openssl")
# Each proxied socket holds two connections; room for a hall and its reconnection.
WORKER_CONNECTIONS = 4096
UPSTREAM_SERVER = re.compile(r"^\s*server\s+\S+(?P<parameters>[^;]*);\s*$", re.MULTILINE)


def top_level_blocks(config: str) -> list[str]:
    """The `name args { … }` blocks at the top of an nginx configuration, comments dropped."""
    text = "\n".join(line.split("#", 1)[0].rstrip() for line in config.splitlines())
    blocks, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append(text[start : index + 1].strip())
                start = index + 1
        elif char == ";" and depth == 0:
            start = index + 1
    return blocks


def deployed_server(listen: str, certificate: Path, key: Path) -> str:
    """deploy/nginx.conf's HTTPS `server` block itself, listening on `listen` (address:port)
    instead of 443, with a test certificate, including deploy/nginx-arsnova.conf."""
    blocks = top_level_blocks((DEPLOY / "nginx.conf").read_text())
    (server,) = [block for block in blocks if re.search(r"\blisten\s+443\b", block)]
    for pattern, replacement in (
        (r"\blisten\s+443\b", f"listen {listen}"),
        (r"\bssl_certificate\s+[^;]+;", f"ssl_certificate {certificate};"),
        (r"\bssl_certificate_key\s+[^;]+;", f"ssl_certificate_key {key};"),
        (r"\binclude\s+[^;]+;", f"include {DEPLOY / 'nginx-arsnova.conf'};"),
    ):
        server, count = re.subn(pattern, replacement.replace("\\", r"\\"), server)
        assert count == 1, (pattern, server)
    return server


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and its key in `folder` (clients do not verify it)."""
    certificate, key = folder / "server.pem", folder / "server.key"
    assert OPENSSL is not None, "the HTTPS tests need openssl"
    made = subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(certificate), "-days", "2",
         "-subj", "/CN=arsnova.example.edu"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return certificate, key


def nginx_config(
    folder: Path, port: int, upstreams: list[str], *, host: str = "127.0.0.1", tls: bool = False
) -> str:
    """deploy/'s configuration on `host`:`port` to `upstreams` (host:port).

    Plain HTTP: a server block of its own that includes deploy/nginx-arsnova.conf.
    `tls`: deploy/nginx.conf's HTTPS server block itself (`deployed_server`).
    """
    blocks = top_level_blocks((DEPLOY / "nginx.conf").read_text())
    maps = [block for block in blocks if block.startswith("map ")]
    (upstream,) = [block for block in blocks if block.startswith("upstream arsnova ")]
    servers = list(UPSTREAM_SERVER.finditer(upstream))
    assert servers, upstream
    parameters = servers[0]["parameters"]
    ours = "\n".join(f"    server {address}{parameters};" for address in upstreams)
    upstream = (
        upstream[: servers[0].start()] + ours + "\n" + upstream[servers[-1].end() :].lstrip("\n")
    )
    temp = {
        name: folder / name
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    }  # fmt: skip
    for path in temp.values():
        path.mkdir(exist_ok=True)
    temp_paths = "\n".join(f"    {name}_temp_path {path};" for name, path in temp.items())
    newline = "\n"
    if tls:
        server = deployed_server(f"{host}:{port}", *make_certificate(folder))
    else:
        server = f"""server {{
    listen {host}:{port};
    include {DEPLOY / "nginx-arsnova.conf"};
}}"""
    # As root, nginx's workers would run as `nobody`, who cannot enter the test's folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""\
{user}worker_processes 1;
worker_rlimit_nofile {2 * WORKER_CONNECTIONS + 64};
error_log {folder / "error.log"} warn;
pid {folder / "nginx.pid"};
events {{ worker_connections {WORKER_CONNECTIONS}; }}
http {{
    log_format upstreams '$upstream_addr|$upstream_status|$request';
    access_log {folder / "access.log"} upstreams;
{temp_paths}
{newline.join(maps)}
{upstream}
{server}
}}
"""


async def until_ready_over_tls(
    url: str, process: asyncio.subprocess.Process, log: Callable[[], str], within: float
) -> None:
    """`tests.serve.until_ready` for HTTPS with a certificate nobody verifies."""
    connector = aiohttp.TCPConnector(ssl=False)
    async with aiohttp.ClientSession(connector=connector) as probe, asyncio.timeout(within):
        while True:
            assert process.returncode is None, log()
            try:
                async with probe.get(url + "/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)


class Nginx:
    """nginx in the foreground (`daemon off`) with its prefix, logs and pid in `folder`."""

    def __init__(
        self,
        folder: Path,
        nodes: list[Serve],
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        tls: bool = False,
    ) -> None:
        """On `host`:`port` (a free port of 127.0.0.1 by default); `tls`: HTTPS with
        deploy/nginx.conf's own server block, `url` without the port if it is 443."""
        self.folder = folder
        self.port = free_port() if port is None else port
        scheme = "https" if tls else "http"
        self.origin = f"{scheme}://{host}" + ("" if tls and self.port == 443 else f":{self.port}")
        self.url = self.origin
        self.config = folder / "nginx.conf"
        upstreams = [f"127.0.0.1:{node.port}" for node in nodes]
        self.config.write_text(nginx_config(folder, self.port, upstreams, host=host, tls=tls))
        self.process: asyncio.subprocess.Process | None = None

    @property
    def command(self) -> list[str]:
        assert NGINX is not None
        error_log = str(self.folder / "error.log")  # also before the configuration is read
        return [NGINX, "-p", str(self.folder), "-e", error_log, "-c", str(self.config),
                "-g", "daemon off;"]  # fmt: skip

    async def start(self) -> None:
        """Starts it and waits until it proxies `/readyz` to a node."""
        with (self.folder / "stderr.log").open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.command, stdout=log, stderr=log
            )
        if self.url.startswith("https:"):  # its certificate is self-signed
            await until_ready_over_tls(self.url, self.process, self.log, START_TIMEOUT)
        else:
            await until_ready(self.url, self.process, self.log, START_TIMEOUT)

    def answered(self) -> list[tuple[str, int]]:
        """(node address, status) of every proxied response so far: the node that answered.

        After a refused connection `$upstream_addr` lists every node tried; the last answered.
        A request its client gave up on before the node answered has `-` as its (last) status:
        not an answer.
        """
        log = self.folder / "access.log"
        answers = []
        for line in log.read_text().splitlines() if log.exists() else []:
            addresses, statuses, _request = line.split("|", 2)
            status = statuses.split(", ")[-1]
            if status != "-":
                answers.append((addresses.split(", ")[-1], int(status)))
        return answers

    async def until_answering(self, node: Serve, since: int) -> None:
        """Until nginx has passed a request to `node` again (after the first `since` answers).

        nginx tries a node it took out only after its `fail_timeout`; probes without a
        login (hashed by their User-Agent, a new one each) land on every node in turn.
        """
        address = f"127.0.0.1:{node.port}"
        async with aiohttp.ClientSession() as probe, asyncio.timeout(WAIT):
            while not any(
                answered == address and status < 500 for answered, status in self.answered()[since:]
            ):
                headers = {"User-Agent": f"probe {uuid.uuid4()}"}
                async with probe.get(self.url + "/readyz", headers=headers):
                    pass
                await asyncio.sleep(0.05)

    def log(self) -> str:
        return "".join(
            path.read_text() for path in (self.folder / "stderr.log", self.folder / "error.log")
            if path.exists()
        )  # fmt: skip

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            await self.process.wait()


@pytest.fixture
async def balanced(two_nodes: list[Serve], tmp_path: Path) -> AsyncIterator[Nginx]:
    """nginx, configured from deploy/, in front of `two_nodes`; stopped after the test."""
    if NGINX is None:
        pytest.fail("the failover tests need nginx: apt-get install nginx (.ci/run does)")
    folder = tmp_path / "nginx"
    folder.mkdir()
    nginx = Nginx(folder, two_nodes)
    try:
        await nginx.start()
        yield nginx
    finally:
        await nginx.stop()
