"""Benchmarks of command-deploy. Each script prints Markdown; ``python bench/run_all.py`` runs them all.

Benchmarks print numbers and are not tests; ``tests/e2e/test_bench_smoke.py`` only checks that each script
runs at a tiny size.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
