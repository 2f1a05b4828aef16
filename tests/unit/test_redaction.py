"""The secrets registry's forms of a secret and the one excerpt helper: redact the whole text, then cut."""

from __future__ import annotations

import pytest

from alia_action.markdown import escape
from alia_action.redaction import Secrets, excerpt, redactor

TOKEN = "MTE4MDAwMDAwMDAwMDAwMDEwMQ.Gx-leak_canary.s3cr3t-t0k3n-value"


@pytest.mark.parametrize("cut", range(0, len(TOKEN) + 1, 7))
def test_a_secret_straddling_the_cut_is_removed_whole(cut: int) -> None:
    text = "x" * (40 - cut) + TOKEN + " tail " * 20
    shown = excerpt(text, 40, redactor([TOKEN]))
    assert len(shown) == 40 and shown.endswith("…")
    assert not any(TOKEN[i : i + 4] in shown for i in range(len(TOKEN) - 3))  # not even 4 characters


def test_the_limit_is_the_length_of_what_is_shown_more_included() -> None:
    plain = redactor([])
    assert excerpt("a" * 10, 10, plain) == "a" * 10  # at the limit: whole
    assert excerpt("a" * 11, 10, plain) == "a" * 9 + "…"  # one past it: cut, the mark counted
    assert excerpt("a  b\n\tc", 10, plain) == "a b c"
    assert excerpt("a\nb", 10, plain, flat=False) == "a\nb"


def test_redaction_runs_before_flattening_so_a_multi_line_secret_still_matches() -> None:
    secret = "line one\nline two"
    assert excerpt(f"say {secret} end", 100, redactor([secret])) == "say *** end"


def test_the_registry_knows_a_secrets_html_and_markdown_forms() -> None:
    secrets = Secrets([TOKEN, "p<a>ss&\"word'"])
    assert TOKEN not in escape(TOKEN)  # control: Markdown escaping changes the token
    assert secrets.redact(f"| {escape(TOKEN)} |") == "| *** |"
    assert secrets.redact("<td>p&lt;a&gt;ss&amp;&quot;word&#x27;</td>") == "<td>***</td>"
    assert secrets.redact(escape("p<a>ss&\"word'")) == "***"


@pytest.mark.parametrize("inside", [1, 20, 50])
def test_githubs_message_is_redacted_before_it_is_shortened(inside: int) -> None:
    from github import GithubException

    from alia_action.notify.github import github_message

    message = "x" * (199 - inside) + TOKEN + " echoed by a proxy" * 20
    shown = github_message(GithubException(403, {"message": message}), redactor([TOKEN]))
    assert shown.endswith("…") and len(shown) == 200
    assert not any(TOKEN[i : i + 4] in shown for i in range(len(TOKEN) - 3))
