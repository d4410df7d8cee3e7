"""A real S3-compatible server on loopback: moto in server mode, one bucket per test."""

import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REGION = "eu-west-2"
KEY_ID = "bench-test-key"  # moto accepts any credentials
SECRET = "bench-test-secret"  # not a secret: moto's local server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    server = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if server is None:
        pytest.skip("moto_server is not installed (pip install -e '.[dev]' installs moto[server])")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (our own binary, loopback only)
        [server, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("moto_server did not start on 127.0.0.1 within 20 s")
            time.sleep(0.1)  # bounded wait for the server to start
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def s3(s3_endpoint, settings):
    """Django's default storage switched to a fresh bucket; yields a boto3 client and its name."""
    import boto3

    bucket = f"pc-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_endpoint,
                "access_key": KEY_ID,
                "secret_key": SECRET,
                "region_name": REGION,
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    # Nothing may fall back to the local folder: make it unusable for the test.
    settings.MEDIA_ROOT = "/nonexistent-media-root"
    yield client, bucket


def keys(s3) -> list[str]:
    client, bucket = s3
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def body(s3, key: str) -> bytes:
    client, bucket = s3
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()
