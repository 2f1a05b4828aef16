"""The HTTP side of the two alternatives: a bare httpx session that honours Discord's rate limits the
way discord.js's REST manager does (wait when a bucket reports 0 remaining; on a 429 wait
``retry_after`` and retry), so their request counts and times are what a real deploy would see."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

USER_AGENT = "DiscordBot (https://example.test/bench, 1.0)"
_ID = re.compile(r"/commands/\d+")
MAX_RETRIES = 5


class RateLimitedSession:
    def __init__(self, base_url: str, token: str) -> None:
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bot {token}", "User-Agent": USER_AGENT},
            timeout=10.0,
        )
        self._blocked_until: dict[tuple[str, str], float] = {}
        self.rate_limited = 0  # 429s received

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RateLimitedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None) -> Any:
        """One API call; returns the decoded body (None for 204). Raises RuntimeError on an error status."""
        key = (method, _ID.sub("/commands/:id", path))
        for _ in range(MAX_RETRIES):
            wait = self._blocked_until.get(key, 0.0) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            response = self._http.request(method, path, json=json, params=params)
            headers = response.headers
            if headers.get("x-ratelimit-remaining") == "0":
                after = float(headers.get("x-ratelimit-reset-after", "0"))
                self._blocked_until[key] = time.monotonic() + after
            if response.status_code == 429:
                self.rate_limited += 1
                retry_after = float(response.json().get("retry_after", 1.0))
                self._blocked_until[key] = time.monotonic() + retry_after
                continue
            if response.is_error:  # Discord's own message and code; the request carries no secret in it
                raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
            return response.json() if response.content else None
        raise RuntimeError(f"{method} {path}: still rate limited after {MAX_RETRIES} tries")
