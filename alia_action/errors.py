"""Failures a person can act on. Their messages are safe to print: no secret, no traceback needed."""

from __future__ import annotations


class DeployError(Exception):
    """The work failed for a reason the message explains (exit 1)."""

    exit_code = 1
    # What the run knew when it failed (an ``outcome.Facts``, set by ``outcome.attach``): the runner still
    # renders outputs and a summary from it. ``object`` here keeps errors.py below everything it describes.
    partial: object | None = None


class UsageError(DeployError):
    """Bad usage or configuration (exit 2)."""

    exit_code = 2
