"""Workflow-command I/O, checked against re-implementations of the runner's own parsers.

``runner_commands`` follows actions/runner's ActionCommandManager (v2 ``::cmd::`` after TrimStart,
legacy ``##[cmd]`` anywhere in a line, stop-commands with a resume token, case-insensitive names);
``parse_file_command`` follows its heredoc reader for GITHUB_OUTPUT (Linux: lines end at LF).
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alia_action.workflow import (
    ANNOTATIONS_PER_STEP,
    SUMMARY_LIMIT_BYTES,
    Workflow,
    escape_data,
    escape_property,
    inline,
    neutralise,
)
from tests.support.examples import examples
from tests.support.runner_protocol import parse_file_command, runner_commands

# ------------------------------------------------------------------ the runner, re-implemented


# ------------------------------------------------------------------ fixtures

HOSTILE = [
    "\n::set-output name=x::y",
    "%0A",
    "::add-mask::foo",
    "EOF",
    "before\nEOF\nafter",
    "  ::warning::indented",
    "::ADD-MASK::upper",
    "a\r::error::after a lone CR",
    "x ##[set-output name=y;]z",
    "##[group]fake group",
    "::stop-commands::guess",
    "::endgroup::",
    "name<<EOF",
    "k=v",
    "ghadelimiter_",
]


class Step:
    """A step's world: environ, files and the log the runner would see."""

    def __init__(self, tmp_path: Path, *, actions: bool = True) -> None:
        self.output_file = tmp_path / "output.txt"
        self.summary_file = tmp_path / "summary.md"
        self.output_file.touch()
        self.summary_file.touch()
        self.environ: dict[str, str] = {}
        if actions:
            self.environ = {
                "GITHUB_ACTIONS": "true",
                "GITHUB_OUTPUT": str(self.output_file),
                "GITHUB_STEP_SUMMARY": str(self.summary_file),
            }
        self.out = io.StringIO()
        self.err = io.StringIO()

    def workflow(self, **options: bool) -> Workflow:
        return Workflow(self.environ, self.out, self.err, report_hint="command-deployment-report.json", **options)

    @property
    def log(self) -> str:
        return self.out.getvalue()

    def outputs(self) -> dict[str, str]:
        return parse_file_command(self.output_file.read_bytes().decode("utf-8"))


@pytest.fixture
def step(tmp_path: Path) -> Step:
    return Step(tmp_path)


@pytest.fixture
def local(tmp_path: Path) -> Step:
    return Step(tmp_path, actions=False)


# ------------------------------------------------------------------ outputs


def test_outputs_round_trip_through_the_runners_heredoc_reader(step: Step) -> None:
    w = step.workflow()
    values = {
        "plain": "abc",
        "empty": "",
        "multi": "line one\nline two",
        "trailing-newline": "x\n",
        "crlf": "a\r\nb\r",
        "unicode": "héllo ✓ 🚀",
        "json": '["ping","config"]',
        **{f"hostile_{i}": value for i, value in enumerate(HOSTILE)},
    }
    for name, value in values.items():
        w.set_output(name, value)
    assert step.outputs() == values
    assert w.outputs == values
    assert runner_commands(step.log) == []  # outputs never go through the log


def test_a_value_containing_the_first_delimiter_gets_another(step: Step, monkeypatch: pytest.MonkeyPatch) -> None:
    first = uuid.UUID("11111111-1111-4111-8111-111111111111")
    second = uuid.UUID("22222222-2222-4222-8222-222222222222")
    sequence: Iterator[uuid.UUID] = iter([first, second])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(sequence))
    value = f"x\nghadelimiter_{first}\n::set-output name=changed::true"
    step.workflow().set_output("evil", value)
    text = step.output_file.read_bytes().decode("utf-8")
    assert text.startswith(f"evil<<ghadelimiter_{second}\n")
    assert parse_file_command(text) == {"evil": value}


def test_outputs_bool_and_numbers(step: Step) -> None:
    w = step.workflow()
    w.set_output("changed", True)
    w.set_output("dry", False)
    w.set_output("requests", 3)
    assert step.outputs() == {"changed": "true", "dry": "false", "requests": "3"}


@pytest.mark.parametrize("name", ["", "bad name", "a=b", "x<<y", "ünï", "a\nb", "a:b"])
def test_output_names_are_validated(step: Step, name: str) -> None:
    with pytest.raises(ValueError, match="output name"):
        step.workflow().set_output(name, "v")
    assert step.output_file.read_text() == ""


def test_outputs_outside_actions_are_recorded_and_printed_only_when_asked(local: Step) -> None:
    quiet = local.workflow()
    quiet.set_output("changed", "true")
    assert quiet.outputs == {"changed": "true"}
    assert local.log == ""
    loud = local.workflow(echo_outputs=True)
    loud.set_output("added", '["a"]')
    loud.set_output("multi", "a\nb")
    assert local.log == 'added=["a"]\nmulti=a\\nb\n'


@settings(max_examples=examples(200), deadline=None)
@given(value=st.text())
def test_any_text_survives_the_outputs_file(tmp_path_factory: pytest.TempPathFactory, value: str) -> None:
    step = Step(tmp_path_factory.mktemp("out"))
    step.workflow().set_output("v", value)
    assert step.outputs() == {"v": value}


# ------------------------------------------------------------------ summary


def test_summary_appends(step: Step) -> None:
    w = step.workflow()
    assert w.summary("# Plan")
    assert w.summary("- added: ping\n")
    assert step.summary_file.read_text() == "# Plan\n- added: ping\n"


def test_summary_is_cut_on_a_line_boundary_under_1_mib_with_a_note(step: Step) -> None:
    w = step.workflow()
    step.summary_file.write_text("x" * (SUMMARY_LIMIT_BYTES - 2000) + "\n")
    lines = [f"| cmd-{i:04d} | modified | {'é' * 20} |" for i in range(200)]
    assert not w.summary("\n".join(lines), full_report="the artifact command-report")
    data = step.summary_file.read_bytes()
    assert len(data) <= SUMMARY_LIMIT_BYTES
    text = data.decode("utf-8")  # not cut inside a multi-byte character
    body, _, note = text.partition("\n> [!WARNING]")
    assert "truncated" in note and "the artifact command-report" in note
    kept = body.split("\n")[1:]
    assert kept and all(line in lines for line in kept if line), "only whole lines are kept"
    assert lines[len([k for k in kept if k])] not in text
    before = len(data)
    assert not w.summary("more")  # nothing more once truncated
    assert len(step.summary_file.read_bytes()) == before


def test_one_huge_summary_is_cut_and_names_the_report(step: Step) -> None:
    w = step.workflow()
    w.summary("line\n" * 300_000)
    data = step.summary_file.read_bytes()
    assert SUMMARY_LIMIT_BYTES - 200 < len(data) <= SUMMARY_LIMIT_BYTES
    assert b"command-deployment-report.json" in data[-300:]


def test_summary_outside_actions(local: Step) -> None:
    local.workflow().summary("# quiet")
    assert local.log == ""
    local.workflow(echo_summary=True).summary("# Plan\n::set-output name=x::y")
    assert local.log == "# Plan\n\\::set-output name=x::y\n"


# ------------------------------------------------------------------ annotations


def test_escaping_functions() -> None:
    assert escape_data("50%\r\n:,") == "50%25%0D%0A:,"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


def test_annotation_escaping_round_trips_through_the_runner(step: Step) -> None:
    w = step.workflow()
    w.annotate("error", "50% done\r\nnext::line %0A", file="dir,x/a:b.json", line=7, title="T%: a,b")
    line = step.log.splitlines()[0]
    assert line == "::error file=dir%2Cx/a%3Ab.json,line=7,title=T%25%3A a%2Cb::50%25 done%0D%0Anext::line %250A"
    assert runner_commands(step.log) == [
        ("error", {"file": "dir,x/a:b.json", "line": "7", "title": "T%: a,b"}, "50% done\r\nnext::line %0A")
    ]


def test_annotation_without_location(step: Step) -> None:
    w = step.workflow()
    w.warning("plain")
    w.notice("note", title="Heads up")
    assert step.log.splitlines() == ["::warning::plain", "::notice title=Heads up::note"]


def test_annotation_caps_ten_per_severity_then_one_summary_line(step: Step) -> None:
    w = step.workflow()
    for i in range(25):
        w.error(f"problem {i}", file="commands/a.json", line=i + 1)
    for i in range(12):
        w.warning(f"warn {i}")
    w.notice("n")
    assert w.flush_annotations() == {"error": 15, "warning": 2}
    acted = runner_commands(step.log)
    assert [c[0] for c in acted].count("error") == ANNOTATIONS_PER_STEP
    assert [c[0] for c in acted].count("warning") == ANNOTATIONS_PER_STEP
    assert [c[0] for c in acted].count("notice") == 1
    assert "error: commands/a.json:25: problem 24" in step.log.splitlines()
    assert sum("15 more errors not shown as annotations" in line for line in step.log.splitlines()) == 1
    assert sum("2 more warnings not shown" in line for line in step.log.splitlines()) == 1
    w.flush_annotations()  # idempotent
    assert step.log.count("more errors not shown") == 1


def test_overflowing_annotations_stay_inert(step: Step) -> None:
    w = step.workflow()
    for _ in range(ANNOTATIONS_PER_STEP):
        w.error("fine")
    for text in HOSTILE:
        w.error(text, file="a.json", line=1)
    assert [c[0] for c in runner_commands(step.log)] == ["error"] * ANNOTATIONS_PER_STEP


# ------------------------------------------------------------------ masks and redaction


def test_masks_are_printed_first_and_everything_after_is_redacted(step: Step) -> None:
    w = step.workflow()
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"
    webhook = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
    w.mask_all([token, None, "", "ab", webhook])
    w.log(f"Authorization: Bot {token}")
    w.error(f"POST {webhook} failed", title=token)
    w.set_output("debug", f"token={token}")
    w.summary(f"`{token}`")
    w.print_untrusted(f'{{"token": "{token}"}}')
    lines = step.log.splitlines()
    assert lines[:2] == [f"::add-mask::{token}", f"::add-mask::{webhook}"]
    assert token not in step.log.replace(f"::add-mask::{token}", "")
    assert webhook not in step.log.replace(f"::add-mask::{webhook}", "")
    assert "Authorization: Bot ***" in lines
    assert step.outputs() == {"debug": "token=***"}
    assert step.summary_file.read_text() == "`***`\n"
    assert not any(line == "::add-mask::ab" for line in lines)  # too short to mask safely


def test_multi_line_secrets_are_masked_line_by_line(step: Step) -> None:
    w = step.workflow()
    key = "-----BEGIN KEY-----\nAAAABBBBCCCC\nDDDDEEEE\n-----END KEY-----\n"
    w.mask(key)
    masked = {c[2] for c in runner_commands(step.log) if c[0] == "add-mask"}
    assert {"-----BEGIN KEY-----", "AAAABBBBCCCC", "DDDDEEEE", "-----END KEY-----"} <= masked
    w.log(f"key is {key}")
    assert "AAAABBBBCCCC" not in step.log.split("::add-mask::")[-1].split("\n", 1)[1]


def test_mask_data_is_escaped_so_the_runner_masks_the_exact_value(step: Step) -> None:
    w = step.workflow()
    w.mask("pa%0Ass%25word")
    assert ("add-mask", {}, "pa%0Ass%25word") in runner_commands(step.log)


def test_json_and_url_forms_of_a_secret_are_redacted(local: Step) -> None:
    w = local.workflow()
    w.mask('se"cret/va lue')
    assert w.redact('{"t": "se\\"cret/va lue"} ?t=se%22cret%2Fva%20lue') == '{"t": "***"} ?t=***'


# ------------------------------------------------------------------ untrusted text


def test_untrusted_text_cannot_start_a_workflow_command(step: Step) -> None:
    w = step.workflow()
    w.mask("supersecret")
    for text in HOSTILE:
        w.print_untrusted(text)
        w.log(text, untrusted=True)
    w.log("\n".join(HOSTILE), untrusted=True)
    acted = runner_commands(step.log)
    assert acted == [("add-mask", {}, "supersecret")]
    assert "::stop-commands::" in step.log


def test_every_stop_commands_block_is_closed_by_its_own_random_token(step: Step) -> None:
    w = step.workflow()
    w.log("::set-output name=a::b", untrusted=True)
    w.log("::set-output name=a::b", untrusted=True)
    lines = step.log.splitlines()
    starts = [line.split("::")[2] for line in lines if line.startswith("::stop-commands::")]
    assert len(starts) == 2 and len(set(starts)) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", t) for t in starts)
    assert lines[0:3] == [f"::stop-commands::{starts[0]}", "\\::set-output name=a::b", f"::{starts[0]}::"]


def test_even_trusted_log_lines_cannot_start_a_command(step: Step) -> None:
    w = step.workflow()
    w.log("\n".join(HOSTILE))
    assert runner_commands(step.log) == []
    assert not any(line.startswith("::stop-commands::") for line in step.log.splitlines())  # not wrapped


def test_print_json_is_inert_and_parses_to_the_same_value(step: Step) -> None:
    w = step.workflow()
    w.mask("supersecret")
    data = {"commands": HOSTILE, "nested": {"::set-output name=x::y": ["##[add-mask]z", "a\\##[b"]}, "n": 1}
    w.print_json(data)
    w.print_json(HOSTILE, indent=None)
    w.print_json("::add-mask::x supersecret")
    body = step.log.split("\n", 1)[1]
    assert runner_commands(body) == []
    decoder, values, index = json.JSONDecoder(), [], 0
    while index < len(body.rstrip()):
        value, index = decoder.raw_decode(body, index)
        values.append(value)
        index += 1  # the newline after each document
    assert values == [data, HOSTILE, "::add-mask::x ***"]


def test_untrusted_text_without_command_syntax_is_printed_plainly(step: Step) -> None:
    w = step.workflow()
    w.log("ping: Replies with pong", untrusted=True)
    assert step.log == "ping: Replies with pong\n"


def test_print_untrusted_keeps_one_value_on_one_line(step: Step) -> None:
    w = step.workflow()
    w.print_untrusted("name\nwith\r\nbreaks\x1b[31m")
    assert step.log == "name\\nwith\\r\\nbreaks\\x1b[31m\n"


def test_neutralise_and_inline() -> None:
    assert neutralise("ok\n  ::x::y\r::z::w\r\n##[group]g") == "ok\n\\  ::x::y\r\\::z::w\r\n##\\[group]g"
    assert inline("a\tb\nc\u2028d") == "a\tb\\nc\\x2028d"


@settings(max_examples=examples(300), deadline=None)
@given(
    text=st.lists(st.sampled_from([":", "::", "#", "##[", "]", " ", "\n", "\r", "a", "add-mask", "%", "0A", "="])).map(
        "".join
    )
)
def test_no_untrusted_text_reaches_the_runner(text: str) -> None:
    out = io.StringIO()
    w = Workflow({"GITHUB_ACTIONS": "true"}, out)
    w.log(text, untrusted=True)
    w.print_untrusted(text)
    assert runner_commands(out.getvalue()) == []


@settings(max_examples=examples(300), deadline=None)
@given(
    text=st.lists(st.sampled_from([":", "::", "##[", "]", " ", "\t", "\u3000", "\n", "\r", "ERROR", "x"])).map("".join)
)
def test_neutralised_text_is_inert_even_without_stop_commands(text: str) -> None:
    assert runner_commands(neutralise(text)) == []
    assert all(runner_commands(neutralise(h)) == [] for h in HOSTILE)


# ------------------------------------------------------------------ groups, debug, plain mode


def test_group_and_debug_in_actions(step: Step) -> None:
    w = step.workflow()
    with pytest.raises(RuntimeError), w.group("Deploy\n::x::"):
        w.debug("100% ready\nnow")
        raise RuntimeError
    assert runner_commands(step.log) == [
        ("group", {}, "Deploy\\n::x::"),
        ("debug", {}, "100% ready\nnow"),
        ("endgroup", {}, ""),
    ]


def test_outside_actions_everything_is_plain(local: Step) -> None:
    w = local.workflow()
    w.mask("supersecret")
    with w.group("Plan"):
        w.log("token supersecret")
        w.error("bad name", file="commands/a.json", line=3)
        w.warning("no location")
        w.notice("note", file="x.json", title="Title")
        w.debug("hidden")
    assert w.flush_annotations() == {}
    assert local.log == "== Plan ==\ntoken ***\n"
    assert local.err.getvalue() == (
        "error: commands/a.json:3: bad name\nwarning: no location\nnotice: x.json: Title: note\n"
    )
    assert "::" not in local.log + local.err.getvalue()


def test_debug_outside_actions_when_verbose(local: Step) -> None:
    local.workflow(verbose=True).debug("details")
    assert local.err.getvalue() == "debug: details\n"


def test_runner_debug_turns_on_verbose(tmp_path: Path) -> None:
    out = io.StringIO()
    Workflow({"RUNNER_DEBUG": "1"}, out).debug("shown")
    assert out.getvalue() == "debug: shown\n"


def test_unknown_severity_is_refused(local: Step) -> None:
    with pytest.raises(ValueError, match="severity"):
        local.workflow().annotate("fatal", "x")  # type: ignore[arg-type]
