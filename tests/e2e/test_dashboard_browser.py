"""The dashboard as a person opens it: real headless Chromium, no network, every chart drawn, no error.

Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it). Outside CI a machine without it
skips these tests; in CI (``CI=true``) a missing browser fails them.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from alia_action.config import Settings
from alia_action.handlers import dashboard
from alia_action.notify.alerts import AlertEntry
from alia_action.runtime import Runtime
from bench.browser import chromium, open_page
from bench.dashboard_history import END, write_history

if chromium() is None:
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is missing: .ci/run installs Debian's chromium package", pytrace=False)
    pytest.skip("chromium is not installed (apt-get install -y chromium)", allow_module_level=True)

STATUS = re.compile(r'<output id="dashboard-status"([^>]*)>([^<]*)</output>')
HOSTILE = '</script><script>console.error("injected")</script><img src=x onerror="console.error(1)">'


def build(workspace: Path) -> Path:
    ctx = Runtime(workspace=workspace, now=lambda: END)
    try:
        outcome = dashboard.run(Settings.from_cli({"action": "dashboard"}, {}, None), ctx)
    finally:
        ctx.close()
    assert outcome.exit_code == 0
    return workspace / "command-dashboard.html"


def status(dom: str) -> tuple[dict[str, str], str]:
    match = STATUS.search(dom)
    assert match, "the status element is missing from the DOM"
    attributes = dict(re.findall(r'data-([a-z]+)="([^"]*)"', match.group(1)))
    return attributes, match.group(2)


def test_every_chart_renders_with_no_console_error(tmp_path: Path) -> None:
    write_history(tmp_path, days=7, every=timedelta(minutes=5))
    page = open_page(build(tmp_path))
    attributes, text = status(page.dom)
    assert attributes == {"charts": "6", "rendered": "6", "errors": "0"}, text
    assert text == "6 of 6 charts drawn"
    assert page.console == []
    assert page.dom.count('data-rendered="true"') == 6  # each canvas has painted pixels


def test_an_empty_history_still_draws_every_chart(tmp_path: Path) -> None:
    page = open_page(build(tmp_path))
    attributes, text = status(page.dom)
    assert attributes == {"charts": "6", "rendered": "6", "errors": "0"}, text
    assert "No incident in the window." in page.dom and page.console == []


def test_hostile_text_in_the_records_stays_text(tmp_path: Path) -> None:
    write_history(tmp_path, days=2, every=timedelta(minutes=30))
    alert = AlertEntry(
        time=END - timedelta(hours=1),
        key="production:error",
        environment="production",
        condition="error",
        event="fire",
        level="error",
        message=HOSTILE,
    )
    with (tmp_path / "alerts.log").open("a", encoding="utf-8") as handle:
        handle.write(alert.model_dump_json() + "\n")
    page = open_page(build(tmp_path))
    attributes, text = status(page.dom)
    assert attributes["errors"] == "0" and attributes["rendered"] == "6", text
    assert page.console == []
    assert "<img src" not in page.dom and "&lt;img src=x" in page.dom


def test_count_charts_tick_in_whole_numbers(tmp_path: Path) -> None:
    write_history(tmp_path, days=7, every=timedelta(minutes=5))
    page = open_page(build(tmp_path))
    ticks = [tick for found in re.findall(r'data-ticks="([^"]*)"', page.dom) for tick in found.split()]
    assert ticks, "no count chart reported its ticks"
    assert all(float(tick).is_integer() for tick in ticks), ticks
