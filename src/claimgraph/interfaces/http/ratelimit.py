"""A token bucket per client address for writes: each address may write ``rate`` times a second on average,
``burst`` times at once. Past that, 429 with Retry-After. Applied before the credentials are checked, so it
also slows down anyone guessing tokens."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

__all__ = ["WriteLimiter"]

_MAX_CLIENTS = 10_000  # addresses remembered at once; the least recently seen are forgotten first


class WriteLimiter:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float | None:
        """Take one write for ``client``: None if allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            while len(self._buckets) > _MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return None if allowed else max(0.001, (1.0 - tokens) / self.rate)

    @staticmethod
    def retry_after(seconds: float) -> str:
        return str(max(1, math.ceil(seconds)))
