"""The real servers some tests need (Redis, PostgreSQL, SeaweedFS, a redis-server binary).

Without one, the test skips; under CI (CI=true) the server is part of the build and its absence fails the run.
"""

import os
from typing import NoReturn

import pytest
import redis


def server_missing(what: str, error: object) -> NoReturn:
    """Skip the test for want of `what`, or fail it under CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs {what}: {error}")
    pytest.skip(f"{what} is not available: {error}")


def redis_or_skip(url: str) -> redis.Redis:
    """A client of the Redis at `url` that has answered a ping (see server_missing)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        client.close()
        server_missing(f"Redis at {url}", error)
    return client
