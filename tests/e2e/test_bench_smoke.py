"""Each benchmark script runs at a tiny size and prints its table (the numbers themselves are not tested)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
# A Markdown table row whose cells include a number (a header or separator row has none).
TABLE_ROW = re.compile(r"^\|(?:[^|\n]*\|)*\s*\**\d[\d.,]*%?×?\**\s*\|", re.MULTILINE)


def run_bench(script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def assert_table(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert TABLE_ROW.search(proc.stdout), proc.stdout
    return proc.stdout


def test_detect_bench_times_every_case_and_finds_no_heavy_import() -> None:
    out = assert_table(run_bench("detect.py", "--quick"))
    for label in ("examples", "full scope", "files in 2 folders", "import pydantic", "python -c pass"):
        assert label in out
    assert "PASS: detect imported none of boto3" in out
    assert re.search(r"^detect ÷ .*side by side \(2 pairs\): median [0-9.]+× .*within the 1\.5× target", out, re.M)
    assert re.search(r"^one pydantic model ÷ .*side by side \(2 pairs\)", out, re.M)


def test_cold_start_bench_reports_the_entrypoint_and_the_bare_interpreter() -> None:
    out = assert_table(run_bench("cold_start.py", "--quick"))
    assert "python entrypoint.py" in out
    assert "First line printed: `51 commands" in out


def test_requests_bench_compares_three_tools_that_all_reach_the_intended_set() -> None:
    out = assert_table(run_bench("requests.py", "--quick"))
    rows = [line for line in out.splitlines() if line.startswith("| ") and "operation" not in line]
    assert len(rows) == 5 * 3  # five operations, three tools
    assert all(line.rstrip().endswith("| ok |") for line in rows), out


def test_dashboard_bench_builds_from_a_history_and_sizes_the_chart_library() -> None:
    out = assert_table(run_bench("dashboard.py", "--quick"))
    assert "| 864 | 3 |" in out and "chart.umd.min.js" in out


def test_monitor_bench_samples_memory_and_open_files_of_a_real_monitor_process() -> None:
    out = assert_table(run_bench("monitor.py", "--quick"))
    assert "300 checks in" in out and "monitor stopped after" in out
    # The verdict itself, not only its shape: open files flat and memory within bench/monitor.py's bounds.
    assert re.search(r"^PASS: open files \d+ → \d+; resident memory", out, re.MULTILINE), out


def test_image_size_bench_measures_an_install() -> None:
    assert_table(run_bench("image_size.py", "--quick"))


def test_image_size_bench_skips_gracefully_without_an_index(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("six==1.17.0\n")
    proc = run_bench("image_size.py", "--requirements", str(requirements), env={"PIP_NO_INDEX": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "Skipped:" in proc.stdout


def test_run_all_writes_one_dated_document(tmp_path: Path) -> None:
    output = tmp_path / "results.md"
    out = assert_table(run_bench("run_all.py", "--quick", "--output", str(output)))
    written = output.read_text(encoding="utf-8")
    assert written.strip() == out.strip()
    assert re.search(r"Run \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", written)
    assert f"{os.cpu_count()} CPU(s)" in written
    headings = ("## detect", "## Cold start", "## Requests per deploy", "## monitor", "## Image dependencies")
    for heading in (*headings, "## Dashboard"):
        assert heading in written


def test_huge_history_bench_runs_health_on_a_huge_and_an_endless_metrics_log() -> None:
    out = assert_table(run_bench("huge_history.py", "--quick"))
    assert "link to /dev/zero" in out and "FIFO" in out
    assert "PASS: 0 of 4 runs hung" in out


def test_two_applications_bench_counts_each_bots_requests() -> None:
    out = assert_table(run_bench("two_applications.py", "--quick"))
    assert "| promote (first) | bot tokens | 0 | 1 | 3 | 0 | 4 | 4 |" in out
    # With client secrets: one exchange per application, and the same command requests.
    assert "| promote (first) | client secrets | 0 | 2 | 4 | 2 | 6 | 4 |" in out
    assert "PASS: every request carried the credential of the application in its path" in out


def test_inventory_bench_walks_a_fleet_at_discords_limit_and_counts_its_requests() -> None:
    out = assert_table(run_bench("inventory.py", "--quick"))
    row = next(line for line in out.splitlines() if line.startswith("| 301 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:4] == ["30", "15", "306"], row  # 10% holding commands, 5% without the scope, requests


def test_per_guild_bench_reads_each_guild_once_and_writes_only_where_a_set_changed() -> None:
    out = assert_table(run_bench("per_guild.py", "--quick"))
    assert "PASS: nothing changed: 20 guild GETs, 0 writes; one command changed: 2 write(s)" in out
