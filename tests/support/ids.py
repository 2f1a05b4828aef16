"""Test ids that can be given back to pytest: mutmut runs each mutant's tests by id on pytest's command line, and
an id pytest had to escape (a non-ASCII ``\\u0928``) is then not found, which stops the whole mutation run."""

from __future__ import annotations


def ascii_id(text: str) -> str:
    """``text`` with each non-ASCII character written as ``U+XXXX``."""
    return "".join(c if c.isascii() else f"U+{ord(c):04X}" for c in text)
