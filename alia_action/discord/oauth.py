"""The OAuth2 client-credentials grant: an application's client secret exchanged for a Bearer token that can
change the application's commands and nothing else.

``POST {api}/oauth2/token`` with HTTP Basic auth (application ID, client secret) and the form
``grant_type=client_credentials&scope=applications.commands.update`` (oauth2.mdx:85, :239-283); the answer is
``{access_token, token_type: "Bearer", expires_in, scope}`` and the token goes in ``Authorization: Bearer …``
on the command routes (application-commands.mdx:234, :1182). The scope is the narrowest Discord offers for
commands (oauth2.mdx:44): a leaked Bearer token can change this application's commands until it expires, but
cannot read messages, post, or act in a guild the way a bot token can.

The secret and the token are handed to ``mask`` (the run's secrets registry) before anything could print them;
error messages name the credential (production or staging, and where it came from) and the Developer Portal
page to check, never a value.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import DiscordError

SCOPE = "applications.commands.update"
TOKEN_PATH = "/oauth2/token"
# Renew a token this long before Discord's expiry (7 days: oauth2.mdx:281), so no request meets its last second.
RENEW_BEFORE = 60.0


class CredentialRefused(DiscordError):
    """Discord refused the exchange (wrong secret, a scope not granted): nothing was sent to a command route."""


@dataclass(slots=True)
class ClientSecret:
    """An application's client secret and what a client needs to turn it into Bearer tokens.

    ``label`` names it in messages ("the production client secret (the client-secret input)"); ``mask`` is the
    run's registry (the secret is added at once, each token the moment it is read); ``clock`` measures expiry.
    """

    secret: str = field(repr=False)
    label: str
    mask: Callable[[str], None] = lambda _value: None
    clock: Callable[[], float] = time.monotonic
    _token: str | None = field(default=None, repr=False)
    _expires_at: float = 0.0

    def __post_init__(self) -> None:
        self.mask(self.secret)

    def current(self) -> str | None:
        """The Bearer token while it is comfortably valid, else None (time to exchange)."""
        if self._token is None or self.clock() >= self._expires_at - RENEW_BEFORE:
            return None
        return self._token

    def values(self) -> tuple[str, ...]:
        """The secret and the current token: what the client scrubs from any text it builds."""
        return tuple(v for v in (self.secret, self._token) if v)

    def accept(self, response: Mapping[str, Any] | None, status: int, application_id: str) -> str:
        """Read Discord's answer to the exchange: the token (masked, kept with its expiry), or the refusal."""
        data: Mapping[str, Any] = response if isinstance(response, Mapping) else {}
        if status == 200:
            token = data.get("access_token")
            if isinstance(token, str) and token:
                self.mask(token)  # before the scope check below could put anything in a message
            granted = str(data.get("scope", "")).split()
            kind = str(data.get("token_type", "")).lower()
            if not isinstance(token, str) or not token or kind != "bearer":
                raise CredentialRefused(
                    f"Discord's answer to the token exchange for {self.label} holds no Bearer token (HTTP 200); "
                    "nothing was written. Is a proxy answering instead of Discord?",
                    status=status,
                    method="POST",
                    path=TOKEN_PATH,
                )
            if SCOPE not in granted:
                raise self._refused(status, "invalid_scope", application_id)
            expires_in = data.get("expires_in")
            seconds = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 3600.0
            self._token, self._expires_at = token, self.clock() + seconds
            return token
        error = data.get("error")
        return_code = str(error) if isinstance(error, str) and error.isprintable() and len(error) < 40 else None
        raise self._refused(status, return_code, application_id)

    def _refused(self, status: int, error: str | None, application_id: str) -> CredentialRefused:
        portal = f"https://discord.com/developers/applications/{application_id}/oauth2"
        what = f"HTTP {status}" + (f" {error}" if error else "")
        if error == "invalid_scope":
            advice = (
                f"the scope {SCOPE} was not granted. Check in the Developer Portal ({portal}) that this is the "
                "application whose commands you deploy, and that its owner (a team's applications are limited to "
                f"identify and {SCOPE}) may use the client credentials grant"
            )
        elif status == 401 or error in ("invalid_client", "unauthorized_client"):
            advice = (
                f"the secret is not application {application_id}'s current client secret. Copy it again from the "
                f"Developer Portal ({portal}, Client Secret; Reset Secret makes the old one invalid) and check "
                "that the application ID beside it is the same application's"
            )
        elif status == 429 or status >= 500:
            advice = "Discord could not answer now; run again later (https://discordstatus.com)"
        else:
            advice = f"check the secret and the application ID in the Developer Portal ({portal})"
        return CredentialRefused(
            f"Discord refused {self.label} for application {application_id} (POST {TOKEN_PATH}: {what}): {advice}. "
            "Nothing was written.",
            status=status,
            method="POST",
            path=TOKEN_PATH,
        )


def token_request(application_id: str, client_secret: ClientSecret) -> dict[str, Any]:
    """The keyword arguments of the exchange for ``httpx.Client.request`` (method and path aside)."""
    return {
        "auth": (application_id, client_secret.secret),
        "data": {"grant_type": "client_credentials", "scope": SCOPE},
    }
