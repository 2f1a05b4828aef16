"""Discord's rules: for every rule id a valid and an invalid case, located by path and real line."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from alia_action.commands.loader import SourceCommand, parse_command_file
from alia_action.commands.problems import Problem
from alia_action.commands.rules import check_commands, command_size, is_valid_slash_name, slash_name_errors
from alia_action.commands.schema import known_keys
from tests.support.examples import examples
from tests.support.ids import ascii_id
from tests.support.rule_cases import CASES, Case, Marker, cmd, entry, opt


def dump(commands: Any) -> str:
    return json.dumps(commands, indent=2, ensure_ascii=False)


def run(commands: Any, file: str = "cmds/x.json") -> tuple[str, list[Problem]]:
    """Parse ``commands`` as the JSON text of one file (so lines are real) and check them."""
    text = dump(commands)
    result = parse_command_file(file, text.encode())
    assert result.problems == []
    return text, check_commands(result.commands)


def line_of(text: str, marker: Marker) -> int:
    """The line of ``marker``: a needle, (needle, lines below it) or (needle, lines below, occurrence)."""
    if isinstance(marker, str):
        needle, offset, nth = marker, 0, 0
    elif len(marker) == 2:
        needle, offset, nth = marker[0], marker[1], 0
    else:
        needle, offset, nth = marker
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1 + offset


def _id(case: Case) -> str:
    return ascii_id(f"{case.rule}:{case.path[:40]}")


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_valid_case_is_clean(case: Case) -> None:
    _text, problems = run(case.valid)
    assert problems == []


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_invalid_case_is_located(case: Case) -> None:
    text, problems = run(case.invalid)
    hits = [p for p in problems if p.rule == case.rule]
    assert len(hits) == 1, problems
    hit = hits[0]
    assert (hit.severity, hit.path, hit.file) == (case.severity, case.path, "cmds/x.json")
    assert hit.line == line_of(text, case.marker)
    assert case.says in hit.message


def test_every_rule_id_has_a_case() -> None:
    rules = {case.rule for case in CASES}
    expected = {
        "schema.type", "schema.required", "schema.unknown-key", "type.value",
        "name.pattern", "name.lowercase", "name.length",
        "description.required", "description.length", "description.forbidden",
        "options.forbidden", "options.count", "options.unique", "options.required-order", "options.nesting",
        "options.required-on-subcommand", "option.field", "option.length-range", "option.value-range",
        "option.length-order", "option.value-order", "localizations.option-clash",
        "choices.count", "choices.name", "choices.value-type", "choices.value-length", "choices.autocomplete",
        "channel_types.value", "file_types.count", "file_types.value", "file_types.unique", "schema.near-miss",
        "localizations.locale", "localizations.name", "localizations.clash", "permissions.bitfield",
        "permissions.string",
        "contexts.value", "integration_types.value", "contexts.guild-bot-dm", "contexts.private-channel", "size.max",
        "scope.count",
        "scope.unique", "entry-point.options", "entry-point.handler", "deprecated.dm_permission",
        "deprecated.default_permission", "defaults.contexts", "defaults.integration_types",
        "project.renamedFrom", "project.developmentOnly", "project.ownerOnly",
    }  # fmt: skip
    assert rules == expected


def test_paths_follow_nested_options() -> None:
    nested = [opt(2, "config", options=[opt(1, "a", options=[opt()]), opt(1, "b", options=[opt(name="Bad")])])]
    text, problems = run(cmd(name="config", options=[opt(), opt(), *nested]))
    # options[2] is a group beside plain options: also a nesting error, not what this test is about.
    (hit,) = [p for p in problems if p.rule == "name.lowercase"]
    assert hit.path == "config.options[2].options[1].options[0].name"
    assert hit.line == line_of(text, '"name": "Bad"')


def test_the_original_systems_rules_fall_out() -> None:
    bad = cmd(name="Ping" + "x" * 30, description="d" * 101, options=[opt(name=f"o{i}") for i in range(26)])
    _text, problems = run(bad)
    assert {p.rule for p in problems} == {"name.lowercase", "name.length", "description.length", "options.count"}


def test_scope_problems_are_not_repeated_for_staging() -> None:
    _text, problems = run([cmd(name="a"), cmd(name="a")])
    assert [p.rule for p in problems] == ["scope.unique"]
    _text, problems = run([cmd(name=f"c{i}") for i in range(101)])
    assert [p.message for p in problems] == ["the global scope has 101 CHAT_INPUT commands; Discord allows at most 100"]


def test_development_only_duplicates_clash_only_in_staging() -> None:
    _text, problems = run([cmd(name="a"), cmd(name="a", developmentOnly=True)])
    (hit,) = problems
    assert hit.rule == "scope.unique" and "in the staging guild" in hit.message


def test_the_entry_point_is_not_counted_in_staging_and_only_once_globally() -> None:
    _text, problems = run([entry(), cmd(name="launch")])
    assert problems == []  # different types may share a name


def test_scope_unique_names_both_files() -> None:
    first = parse_command_file("cmds/a.json", dump(cmd()).encode()).commands
    second = parse_command_file("cmds/b.json", b"\n\n" + dump(cmd()).encode()).commands
    (hit,) = check_commands([*first, *second])
    assert hit.rule == "scope.unique"
    assert (hit.file, hit.line, hit.path) == ("cmds/b.json", 4, "ping.name")
    assert "cmds/a.json:2 and cmds/b.json:4" in hit.message


def test_size_counts_the_longest_localization_of_each_field() -> None:
    data = {
        "name": "abc",
        "name_localizations": {"de": "abcdef"},
        "description": "d",
        "description_localizations": {"fr": "d" * 10, "de": "d" * 4},
        "options": [
            {"type": 3, "name": "o", "description": "dd", "choices": [{"name": "c", "value": "vvv"}]},
            {"type": 4, "name": "n", "description": "dd", "choices": [{"name": "c", "value": 12345}]},
            {"type": 10, "name": "f", "description": "dd", "choices": [{"name": "c", "value": 2.0}]},
        ],
    }
    # 6 + 10 + (1+2+1+3) + (1+2+1+5) + (1+2+1+1: 2.0 is sent as 2)
    assert command_size(data) == 6 + 10 + 7 + 9 + 5


def test_size_localized_description_pushes_over_the_limit() -> None:
    options = [opt(name=f"o{i:02d}", choices=[{"name": "n" * 100, "value": "v" * 100}] * 25) for i in range(1)]
    assert run(cmd(options=options))[1] == []
    options[0]["description_localizations"] = {"de": "d" * 100}
    options[0]["choices"] = [{"name": "n" * 100, "name_localizations": {"de": "m" * 100}, "value": "v" * 100}] * 25
    options.append(opt(name="extra", choices=[{"name": "n" * 100, "value": "v" * 100}] * 15))
    _text, problems = run(cmd(options=options))
    assert [p.rule for p in problems] == ["size.max"]


# -- Unicode names --


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        pytest.param("ピン", None, id="japanese-uncased"),
        pytest.param("ｐｉｎｇ", None, id="fullwidth-lowercase"),
        pytest.param("नमस्ते", None, id="devanagari-with-combining-signs"),
        pytest.param("สวัสดี", None, id="thai-with-combining-marks"),
        # The last character of a script range, where no letter or number category would let it in.
        pytest.param("क\u0963", None, id="devanagari-vowel-sign-vocalic-ll"),
        pytest.param("क\ua8ff", None, id="devanagari-vowel-sign-ay"),
        pytest.param("ก\u0e3a", None, id="thai-phinthu"),
        pytest.param("ก\u0e5b", None, id="thai-khomut"),
        pytest.param("ping-2_x\u02bcy", None, id="punctuation"),
        pytest.param("isn't", "pattern", id="ascii-apostrophe"),
        pytest.param("число٣", None, id="cyrillic-and-arabic-digit"),
        pytest.param("ΑΒΓ", "lowercase", id="greek-capital"),
        pytest.param("ǅemal", "lowercase", id="titlecase-letter"),
        pytest.param("Ⅻ", "lowercase", id="roman-numeral-has-lowercase"),
        pytest.param("ping🎉", "pattern", id="emoji"),
        pytest.param("pi\u200dng", "pattern", id="zero-width-joiner"),
        pytest.param("pi ng", "pattern", id="space"),
        pytest.param("नमस्ते।", "pattern", id="danda-is-common-script"),
        pytest.param("cafe\u0301", "pattern", id="combining-accent-outside-deva-thai"),
        pytest.param("", "length", id="empty"),
        pytest.param("ก" * 33, "length", id="33-thai"),
    ],
)
def test_unicode_names(name: str, rule: str | None) -> None:
    assert [suffix for suffix, _ in slash_name_errors(name)] == ([] if rule is None else [rule])
    _text, problems = run(cmd(name=name))
    assert [p.rule for p in problems] == ([] if rule is None else [f"name.{rule}"])


def test_decomposed_accents_get_an_nfc_hint() -> None:
    ((_, message),) = slash_name_errors("cafe\u0301")
    assert "NFC" in message


def _agrees(regex: Any, char: str) -> bool:
    # Python's unicodedata and `regex` may ship different Unicode versions: compare only
    # characters both classify alike.
    return regex.fullmatch(r"\p{gc=" + unicodedata.category(char) + "}", char) is not None


NAME_CHARS = st.one_of(
    st.sampled_from(list("abcxyzABCXYZ019-_' .!/ÉéßΣσΑαДд٣Ⅻǅピンกัาनमस्तेक़।\u200d\u0301🎉")),
    st.characters(exclude_categories=["Cs"]),
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.text(alphabet=NAME_CHARS, max_size=34))
def test_names_match_the_documented_pattern(name: str) -> None:
    regex = pytest.importorskip("regex")
    assume(all(_agrees(regex, char) for char in name))
    pattern = regex.compile(r"^[-_\u02BC\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$")
    has_lowercase_form = regex.compile(r"\p{Changes_When_Lowercased}")
    expected = pattern.fullmatch(name) is not None and has_lowercase_form.search(name) is None
    assert is_valid_slash_name(name) == expected
    _text, problems = run(cmd(name="ping", options=[opt(name=name)]))
    assert (not [p for p in problems if p.rule.startswith("name.")]) == expected


# -- never crash, whatever the JSON --

_COMMAND_KEYS, _OPTION_KEYS, _CHOICE_KEYS = (sorted(keys) for keys in known_keys())
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-2, max_value=12)
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["ping", "Ping", "a b", "8", "true", "de", "en", "image", ".png", "x" * 120])
)
JSON = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


_LOCALIZATIONS = st.dictionaries(st.sampled_from(["de", "fr", "ar", "en", "xx"]), JSON | st.text(), max_size=3)
_NAME = st.sampled_from(["ping", "Ping", "a b", "", "x" * 40, "ピン"]) | JSON


def _shaped(
    keys: list[str], fixed: dict[str, st.SearchStrategy[Any]], typed: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Objects that look like Discord's, so the fuzzing reaches deep rules: the ``fixed`` keys
    always, any other known key sometimes (with a plausible value or any JSON), junk keys too."""
    optional = {key: typed.get(key, JSON) | JSON for key in keys if key not in fixed}
    optional["junk"] = JSON
    return st.fixed_dictionaries(fixed, optional=optional)


_CHOICE = _shaped(_CHOICE_KEYS, {"name": _NAME, "value": JSON}, {"name_localizations": _LOCALIZATIONS})
_OPTION_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "choices": st.lists(_CHOICE, max_size=3),
    "name_localizations": _LOCALIZATIONS,
    "description_localizations": _LOCALIZATIONS,
    "required": st.booleans(),
    "channel_types": st.lists(st.integers(-1, 17), max_size=3),
    "file_types": st.lists(st.sampled_from(["image", ".png", ".PNG", "png"]), max_size=3),
    "min_value": st.integers(-(2**54), 2**54) | st.floats(),
    "max_value": st.integers(-(2**54), 2**54) | st.floats(),
    "min_length": st.integers(-1, 7000),
    "max_length": st.integers(-1, 7000),
    "autocomplete": st.booleans(),
}
_OPTION_TYPE = st.one_of(*[st.integers(1, 11)] * 3, JSON)
_OPTION = st.recursive(
    _shaped(_OPTION_KEYS, {"type": _OPTION_TYPE, "name": _NAME}, _OPTION_VALUES),
    lambda inner: _shaped(
        _OPTION_KEYS,
        {"type": st.sampled_from([1, 2]) | JSON, "name": _NAME, "options": st.lists(inner, max_size=3)},
        _OPTION_VALUES,
    ),
    max_leaves=8,
)
_COMMAND = _shaped(
    _COMMAND_KEYS,
    {"name": _NAME, "options": st.lists(_OPTION, min_size=1, max_size=4) | JSON},
    {
        "type": st.integers(0, 5),
        "name_localizations": _LOCALIZATIONS,
        "description_localizations": _LOCALIZATIONS,
        "contexts": st.lists(st.integers(-1, 3), max_size=3),
        "developmentOnly": st.booleans(),
        "renamedFrom": _NAME,
    },
) | st.dictionaries(st.text(max_size=8), JSON, max_size=5)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_COMMAND, max_size=4))
def test_any_json_never_crashes(objects: list[dict[str, Any]]) -> None:
    commands = [SourceCommand(data, f"cmds/{i}.json") for i, data in enumerate(objects)]
    problems = check_commands(commands)
    for problem in problems:
        assert problem.severity in ("error", "warning")
        assert problem.rule and problem.message
        assert problem.file is not None and problem.file.startswith("cmds/")
        assert isinstance(problem.line, int)


# -- the rule table: every rule's evidence --


def test_every_rule_the_validator_reports_has_evidence_in_the_table() -> None:
    import re
    from pathlib import Path

    from alia_action.commands import rules, schema
    from alia_action.commands.rule_table import RULES

    sources = Path(rules.__file__).read_text() + Path(schema.__file__).read_text()
    emitted = set(re.findall(r'"((?:[a-z_]+|entry-point)\.[a-zA-Z_-]+)"', sources))
    emitted |= {f"name.{suffix}" for suffix in ("length", "pattern", "lowercase")}  # f"name.{suffix}"
    assert emitted <= set(RULES), emitted - set(RULES)
    assert {case.rule for case in CASES} == set(RULES)
    for rule, row in RULES.items():
        assert row.basis in ("discord", "docs", "project"), rule
        assert len(row.evidence) > 20, rule  # a citation, not a placeholder


def test_only_rules_discord_enforces_or_our_own_are_errors() -> None:
    from alia_action.commands.rule_table import RULES

    # A docs-only rule is a warning at most: a false error blocks a deploy that would have worked.
    for case in CASES:
        if RULES[case.rule].basis == "docs":
            assert case.severity == "warning", case.rule
    docs_only = {rule for rule, entry in RULES.items() if entry.basis == "docs"}
    for case in CASES:
        _text, problems = run(case.invalid)
        assert not [p for p in problems if p.rule in docs_only and p.severity == "error"], case.rule
