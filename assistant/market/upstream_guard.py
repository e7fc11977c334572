"""Guards around an upstream call: which errors are worth retrying (the connection dropped or timed out, not a
changed payload), a time limit per call, and a circuit breaker per host."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from assistant.errors import UpstreamError


def is_connection_error(exc: BaseException) -> bool:
    """Errors worth retrying: the connection dropped or timed out (not a changed payload or a bad code)."""
    kinds: list[type[BaseException]] = [ConnectionError, TimeoutError, http.client.IncompleteRead]
    try:
        import requests

        kinds += [
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ]
    except ImportError:  # pragma: no cover - requests comes with akshare
        pass
    try:
        import urllib3

        kinds += [urllib3.exceptions.ProtocolError]
    except ImportError:  # pragma: no cover
        pass
    try:
        from curl_cffi.requests import exceptions as curl_exc

        kinds += [curl_exc.ConnectionError, curl_exc.Timeout]
    except ImportError:  # pragma: no cover
        pass
    return isinstance(exc, tuple(kinds))


class UpstreamGuard:
    """Each upstream call under a time limit and its host's circuit breaker (pybreaker).

    AKShare calls `requests` without a timeout, so a dead network could block for minutes (an offline `--live` ask
    waited 328 s for an empty answer): the call runs in a worker thread and is abandoned after `timeout_s`. After
    `fail_max` connection failures a host's breaker opens and later calls to it fail at once until `reset_s`."""

    def __init__(self, timeout_s: float, fail_max: int = 2, reset_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self.fail_max, self.reset_s = fail_max, reset_s
        self._breakers: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._failed_s = (
            0.0  # time spent in failed calls, all hosts: past 3 x timeout_s, the source fails fast
        )

    def breaker(self, host: str) -> Any:
        import pybreaker

        with self._lock:
            if host not in self._breakers:  # only connection-type failures count against a host
                self._breakers[host] = pybreaker.CircuitBreaker(
                    fail_max=self.fail_max,
                    reset_timeout=self.reset_s,
                    name=host,
                    throw_new_error_on_trip=False,
                    exclude=[lambda e: not (is_connection_error(e) or isinstance(e, _CallTimeout))],
                )
            return self._breakers[host]

    def call(self, host: str, function: str, attempts: Callable[[], Any]) -> Any:
        """Run `attempts` (the retried upstream call) under the host's breaker: one failure per exhausted call."""
        import pybreaker

        if self._failed_s >= 3 * self.timeout_s:  # no network: fail at once, not after every host's retries
            raise UpstreamError(
                host,
                function,
                f"live data unavailable: upstream calls have failed for "
                f"{self._failed_s:.0f} s in total (network down?)",
            )
        started = time.monotonic()
        try:
            return self.breaker(host).call(attempts)
        except pybreaker.CircuitBreakerError as err:
            raise UpstreamError(
                host,
                function,
                f"{host} failed repeatedly; not retried for {self.reset_s:.0f} s (circuit open)",
            ) from err
        except _CallTimeout as err:
            self._count_failure(started)
            raise UpstreamError(
                host, function, f"no answer within {self.timeout_s:g} s (MARKET_ASSISTANT_AKSHARE_TIMEOUT_S)"
            ) from err
        except Exception as err:
            if is_connection_error(err):
                self._count_failure(started)
            raise

    def _count_failure(self, started: float) -> None:
        with self._lock:
            self._failed_s += time.monotonic() - started

    def timed(self, fn: Callable[..., Any], params: Mapping[str, Any]) -> Any:
        import concurrent.futures as cf

        pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="akshare-call")
        future = pool.submit(fn, **params)
        pool.shutdown(wait=False)  # a call that never returns is abandoned, not waited for
        try:
            return future.result(timeout=self.timeout_s)
        except cf.TimeoutError as err:
            raise _CallTimeout(f"no answer within {self.timeout_s:g} s") from err


class _CallTimeout(Exception):
    pass
