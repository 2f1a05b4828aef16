"""The OAuth2 client-credentials grant over real loopback HTTP: the emulator's token endpoint and Bearer tokens
(Discord's shapes: oauth2.mdx:239-283), and the client that exchanges a client secret and sends
``Authorization: Bearer …`` on every command request (application-commands.mdx:234, :1182).

Expiry runs on the emulator's clock and the client's clock, both set by the test: never on real time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from alia_action.discord.client import DiscordClient
from alia_action.discord.emulator import BEARER_LIFETIME, Emulator, Fault
from alia_action.discord.errors import NotAuthorizedOnApplication, Unauthorized
from alia_action.discord.oauth import RENEW_BEFORE, SCOPE, ClientSecret, CredentialRefused
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, OTHER_APP_ID, USER_AGENT

SECRET = "Cl1entS3cret-canary-0123456789ab"
OTHER_SECRET = "0therAppS3cret-canary-9876543210"


class Clock:
    """A clock the test moves by hand; one instance drives the emulator's and the client's view of time."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emu(clock: Clock) -> Iterator[Emulator]:
    with Emulator(clock=clock) as emu:
        emu.add_application(APP_ID, "the-bot-token-is-never-used-here")
        emu.add_client_secret(APP_ID, SECRET)
        emu.add_guild(APP_ID, GUILD_ID)
        emu.add_application(OTHER_APP_ID, "another-bot-token")
        emu.add_client_secret(OTHER_APP_ID, OTHER_SECRET)
        yield emu


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.url, headers={"User-Agent": USER_AGENT}) as client:
        yield client


def exchange(http: httpx.Client, app: str = APP_ID, secret: str = SECRET, **form: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", "scope": SCOPE, **form}
    return http.post("/oauth2/token", auth=(app, secret), data=data)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------------------------------------------- the emulator


def test_the_token_endpoint_answers_in_discord_s_shape(http: httpx.Client) -> None:
    answer = exchange(http)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 604800, SCOPE)
    assert SECRET not in answer.text


def test_the_form_may_carry_the_client_id_and_secret_instead_of_basic_auth(http: httpx.Client) -> None:
    """oauth2.mdx:85: HTTP Basic, or client_id and client_secret in the form body."""
    form = {"grant_type": "client_credentials", "scope": SCOPE, "client_id": APP_ID, "client_secret": SECRET}
    assert http.post("/oauth2/token", data=form).status_code == 200


@pytest.mark.parametrize(
    ("app", "secret"),
    [(APP_ID, SECRET + "x"), (APP_ID, SECRET[:-1]), (APP_ID, OTHER_SECRET), ("1180000000000000999", SECRET)],
    ids=["one-char-more", "one-char-less", "another-app-s-secret", "unknown-app"],
)
def test_a_wrong_secret_is_invalid_client(http: httpx.Client, app: str, secret: str) -> None:
    answer = exchange(http, app, secret)
    assert (answer.status_code, answer.json()) == (401, {"error": "invalid_client"})


def test_no_credentials_at_all_is_invalid_client(http: httpx.Client) -> None:
    answer = http.post("/oauth2/token", data={"grant_type": "client_credentials", "scope": SCOPE})
    assert (answer.status_code, answer.json()) == (401, {"error": "invalid_client"})


def test_a_scope_beyond_the_grant_is_invalid_scope(emu: Emulator, http: httpx.Client) -> None:
    assert exchange(http, scope=f"identify {SCOPE}").status_code == 200  # within a team app's limit
    answer = exchange(http, scope=f"{SCOPE} guilds")
    assert (answer.status_code, answer.json()) == (400, {"error": "invalid_scope"})
    emu.add_client_secret(APP_ID, SECRET, scopes={"identify"})  # an application not allowed the commands scope
    assert exchange(http).json() == {"error": "invalid_scope"}


def test_only_the_client_credentials_grant_is_served(http: httpx.Client) -> None:
    answer = exchange(http, grant_type="authorization_code")
    assert (answer.status_code, answer.json()) == (400, {"error": "unsupported_grant_type"})


def test_a_bearer_token_works_on_its_own_application_s_command_routes_only(emu: Emulator, http: httpx.Client) -> None:
    token = exchange(http).json()["access_token"]
    assert http.get(f"/applications/{APP_ID}/commands", headers=bearer(token)).json() == []
    put = http.put(f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands", headers=bearer(token), json=[_ping()])
    assert put.status_code == 200 and put.json()[0]["name"] == "ping"
    other = http.get(f"/applications/{OTHER_APP_ID}/commands", headers=bearer(token))
    assert (other.status_code, other.json()["code"]) == (403, 20012)
    for route in ("/users/@me", "/gateway/bot", f"/channels/{GUILD_ID}/messages", f"/applications/{APP_ID}"):
        assert http.get(route, headers=bearer(token)).status_code == 401, route
    assert http.get("/users/@me", headers={"Authorization": "Bot the-bot-token-is-never-used-here"}).status_code == 404
    logged = emu.requests
    assert [r.caller for r in logged] == [APP_ID] * len(logged)  # the exchange and every Bearer request
    assert logged[0].headers["authorization"] == "Basic <redacted>" and SECRET not in str(logged[0].body)
    assert {r.headers["authorization"] for r in logged[1:] if "users/@me" not in r.path} <= {
        "Bearer <redacted>",
        "Bot <redacted>",
    }


def test_a_token_without_the_commands_scope_opens_no_command_route(http: httpx.Client) -> None:
    token = exchange(http, scope="identify").json()["access_token"]
    assert http.get(f"/applications/{APP_ID}/commands", headers=bearer(token)).status_code == 401


def test_a_bearer_token_expires_by_the_emulator_s_clock(clock: Clock, http: httpx.Client) -> None:
    token = exchange(http).json()["access_token"]
    clock.now += BEARER_LIFETIME - 0.0625
    assert http.get(f"/applications/{APP_ID}/commands", headers=bearer(token)).status_code == 200
    clock.now += 0.0625  # the expiry instant itself (exact in binary): refused
    assert http.get(f"/applications/{APP_ID}/commands", headers=bearer(token)).status_code == 401
    assert http.get(f"/applications/{APP_ID}/commands", headers=bearer(token + "x")).status_code == 401


# ------------------------------------------------------------------------------------------- the client


@pytest.fixture
def client_for(emu: Emulator, clock: Clock) -> Iterator[Callable[..., tuple[DiscordClient, list[str]]]]:
    clients: list[DiscordClient] = []

    def make(secret: str = SECRET, app: str = APP_ID, **options: Any) -> tuple[DiscordClient, list[str]]:
        masked: list[str] = []
        credential = ClientSecret(
            secret, "the production client secret (the client-secret input)", masked.append, clock
        )
        client = DiscordClient(credential, app, emu.url, **{**FAST, **options})
        clients.append(client)
        return client, masked

    yield make
    for client in clients:
        client.close()


def test_the_client_exchanges_once_and_sends_bearer_on_every_command_request(
    emu: Emulator, client_for: Callable[..., tuple[DiscordClient, list[str]]]
) -> None:
    client, masked = client_for()
    assert masked == [SECRET]  # the secret is in the registry before any request
    client.authorize()
    client.overwrite_commands(GUILD_ID, [_ping()])
    client.list_commands(GUILD_ID)
    client.list_commands()
    logged = emu.requests
    assert [(r.method, r.path.removeprefix("/api/v10")) for r in logged] == [
        ("POST", "/oauth2/token"),
        ("PUT", f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"),
        ("GET", f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"),
        ("GET", f"/applications/{APP_ID}/commands"),
    ]
    assert [r.headers["authorization"] for r in logged] == ["Basic <redacted>"] + ["Bearer <redacted>"] * 3
    assert all(r.caller == APP_ID and r.status == 200 for r in logged)
    assert logged[0].body == f"grant_type=client_credentials&scope={SCOPE}"
    assert len(masked) == 2 and masked[1] not in (SECRET, "")  # the Bearer token joined the registry
    assert client.request_count == 4 and client.credential == "client secret"
    assert SECRET not in repr(client) and masked[1] not in repr(client)


def test_a_refused_secret_stops_before_any_command_request(
    emu: Emulator, client_for: Callable[..., tuple[DiscordClient, list[str]]]
) -> None:
    client, _masked = client_for(SECRET + "x")
    with pytest.raises(CredentialRefused) as caught:
        client.authorize()
    message = str(caught.value)
    assert message.startswith(
        f"Discord refused the production client secret (the client-secret input) for application {APP_ID} "
        "(POST /oauth2/token: HTTP 401 invalid_client): the secret is not"
    )
    assert f"https://discord.com/developers/applications/{APP_ID}/oauth2" in message and SECRET not in message
    assert message.endswith("Nothing was written.")
    assert [(r.method, r.status) for r in emu.requests] == [("POST", 401)]  # refused once, never retried
    with pytest.raises(CredentialRefused):
        client.list_commands()  # no command request goes out on a refused secret
    assert all(r.path.endswith("/oauth2/token") for r in emu.requests)


def test_a_scope_not_granted_is_named(
    emu: Emulator, client_for: Callable[..., tuple[DiscordClient, list[str]]]
) -> None:
    emu.add_client_secret(APP_ID, SECRET, scopes={"identify"})
    client, _ = client_for()
    with pytest.raises(CredentialRefused, match=r"HTTP 400 invalid_scope\): the scope applications.commands.update"):
        client.authorize()


def test_an_answer_granting_less_than_asked_is_refused(
    emu: Emulator, client_for: Callable[..., tuple[DiscordClient, list[str]]]
) -> None:
    answer = {"access_token": "narrow-token-value", "token_type": "Bearer", "expires_in": 604800, "scope": "identify"}
    emu.faults.add(Fault.respond(200, answer), method="POST", path=r"/oauth2/token$")
    client, masked = client_for()
    with pytest.raises(CredentialRefused, match="invalid_scope"):
        client.authorize()
    assert "narrow-token-value" in masked  # masked even though it is refused
    assert len(emu.requests) == 1


def test_a_failing_token_endpoint_is_retried_like_any_request(
    emu: Emulator, client_for: Callable[..., tuple[DiscordClient, list[str]]]
) -> None:
    emu.faults.add(Fault.server_error(503), method="POST", path=r"/oauth2/token$", times=3)
    client, _ = client_for()  # FAST: 4 attempts
    client.list_commands()
    assert [r.status for r in emu.requests] == [503, 503, 503, 200, 200]


def test_the_client_renews_its_token_just_before_it_expires(
    clock: Clock, emu: Emulator, client_for: Callable[..., tuple[DiscordClient, list[str]]]
) -> None:
    client, masked = client_for()
    client.list_commands()
    clock.now += BEARER_LIFETIME - RENEW_BEFORE - 0.0625  # still comfortably valid: no new exchange
    client.list_commands()
    clock.now += 0.0625  # the renewal margin reached: a new token first
    client.list_commands()
    assert [r.path.rsplit("/", 1)[-1] for r in emu.requests] == ["token", "commands", "commands", "token", "commands"]
    assert all(r.status == 200 for r in emu.requests)
    assert len(set(masked)) == 3  # the secret and both tokens


def test_a_bearer_token_refused_on_a_command_route_names_the_credential(
    emu: Emulator, client_for: Callable[..., tuple[DiscordClient, list[str]]]
) -> None:
    client, _ = client_for(app=APP_ID)
    client.authorize()
    with pytest.raises(NotAuthorizedOnApplication) as other:
        client.request("GET", f"/applications/{OTHER_APP_ID}/commands")
    assert "the Bearer token of the production client secret (the client-secret input) was refused" in str(other.value)
    emu.faults.add(Fault.respond(401, {"message": "401: Unauthorized", "code": 0}), method="GET")
    with pytest.raises(Unauthorized, match=r"Bearer token .* \(HTTP 401\): check that the secret belongs"):
        client.list_commands()


def _ping() -> dict[str, Any]:
    return {"name": "ping", "description": "Pong"}


def test_an_out_of_process_emulator_takes_a_client_secret_over_its_control_api(emu: Emulator) -> None:
    with httpx.Client(base_url=emu.root_url, headers={"User-Agent": USER_AGENT}) as control:
        added = control.post(
            "/_emulator/applications", json={"id": "1180000000000000444", "token": "t0k3n", "client_secret": "s3cr3t"}
        )
        assert added.status_code == 204
        with httpx.Client(base_url=emu.url, headers={"User-Agent": USER_AGENT}) as http:
            assert exchange(http, "1180000000000000444", "s3cr3t").status_code == 200
            assert exchange(http, "1180000000000000444", "s3cr3").status_code == 401
