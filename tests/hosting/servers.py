"""Run real nginx, Caddy and Apache on 127.0.0.1 for the tests, with bounded waits.

Each server gets its own scratch folder (world-readable, because nginx and Apache workers
drop privileges) holding its config, pid, logs and a copy of the build.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NGINX = "/usr/sbin/nginx"
APACHE = "/usr/sbin/apache2"
APACHE_MODULES = Path("/usr/lib/apache2/modules")


def caddy_binary() -> str | None:
    return shutil.which("caddy")


def scratch_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="site-gen-host-"))
    path.chmod(0o755)
    return path


def copy_output(output: Path, scratch: Path) -> Path:
    root = scratch / "public"
    shutil.copytree(output, root)
    for folder, dirs, _files in os.walk(root):
        Path(folder).chmod(0o755)
        for name in dirs:
            (Path(folder) / name).chmod(0o755)
    return root


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(
        f"server did not listen on {port}: {log.read_text() if log.exists() else ''}"
    )


@contextmanager
def running(
    command: list[str], port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[None]:
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=sink, env=env)
    try:
        wait_for_port(port, process, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def nginx_main_conf(scratch: Path, site_conf: Path) -> Path:
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {name}_temp_path {scratch / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = scratch / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\npid {scratch / 'nginx.pid'};\n"
        f"error_log {scratch / 'error.log'};\nevents {{ worker_connections 64; }}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {scratch / 'access.log'};\n{temp}\n    include {site_conf};\n}}\n"
    )
    return conf


def nginx_command(scratch: Path, conf: Path) -> list[str]:
    return [NGINX, "-p", str(scratch), "-c", str(conf), "-g", "daemon off;"]


def caddy_main_conf(scratch: Path, caddyfile_text: str) -> Path:
    # No admin endpoint (it would take a fixed port) and no automatic HTTPS on loopback.
    conf = scratch / "Caddyfile"
    conf.write_text("{\n    admin off\n    auto_https off\n}\n\n" + caddyfile_text)
    return conf


def caddy_env(scratch: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(scratch),
        "XDG_DATA_HOME": str(scratch / "data"),
        "XDG_CONFIG_HOME": str(scratch / "config"),
    }


APACHE_MODULE_NAMES = (
    "mpm_event",
    "authz_core",
    "unixd",
    "dir",
    "mime",
    "headers",
    "rewrite",
    "proxy",
    "proxy_http",
    "log_config",
)


def apache_conf(scratch: Path, root: Path, port: int) -> Path:
    loads = "\n".join(
        f"LoadModule {name}_module {APACHE_MODULES / f'mod_{name}.so'}"
        for name in APACHE_MODULE_NAMES
        if (APACHE_MODULES / f"mod_{name}.so").exists()
    )
    user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
    conf = scratch / "httpd.conf"
    conf.write_text(
        f"ServerRoot {scratch}\n{loads}\n{user}ServerName 127.0.0.1\n"
        f"Listen 127.0.0.1:{port}\nPidFile {scratch / 'httpd.pid'}\n"
        f"DefaultRuntimeDir {scratch}\nMutex file:{scratch} default\n"
        f"ErrorLog {scratch / 'error.log'}\nLogLevel warn\nTypesConfig /etc/mime.types\n"
        f"DocumentRoot {root}\n<Directory {root}>\n    AllowOverride All\n"
        "    Require all granted\n</Directory>\n"
    )
    return conf


def apache_command(scratch: Path, conf: Path, *extra: str) -> list[str]:
    return [APACHE, "-d", str(scratch), "-f", str(conf), *extra]
