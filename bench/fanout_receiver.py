"""The fan-out benchmark's receiver: nginx answering 202 on 127.0.0.1 over HTTP and HTTPS, with
a self-signed wildcard certificate for *.bench.test made here (bench/fanout.py)."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import tempfile
import time
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="fanout-bench-"))


def make_certificate() -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("*.bench.test"), x509.DNSName("bench.test")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (TMP / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (TMP / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_nginx() -> tuple[subprocess.Popen[bytes], int, int]:
    http_port, https_port = free_port(), free_port()
    (TMP / "logs").mkdir(exist_ok=True)
    conf = TMP / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
pid {TMP}/nginx.pid;
error_log {TMP}/logs/error.log crit;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {TMP}/body;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{http_port};
    listen 127.0.0.1:{https_port} ssl;
    server_name _;
    ssl_certificate {TMP}/cert.pem;
    ssl_certificate_key {TMP}/key.pem;
    client_max_body_size 1m;
    location / {{ return 202; }}
  }}
}}
"""
    )
    process = subprocess.Popen(
        ["/usr/sbin/nginx", "-p", str(TMP), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=0.2).close()
            return process, http_port, https_port
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("nginx did not start") from None
            time.sleep(0.05)
