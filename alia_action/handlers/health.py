"""``health``: one check of the live commands of ``environment``: latency, missing, extra and drifted commands,
the trend over ``metrics.log``, alerts. Never writes to Discord (see ``steps/health_check.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..steps.health_check import Session, check_outcome, perform_check
from ..steps.validation import invalid_outcome

if TYPE_CHECKING:
    from ..config import Settings
    from ..outcome import Outcome
    from ..runtime import Runtime


def run(settings: Settings, ctx: Runtime) -> Outcome:
    session = Session.open(settings, ctx)
    try:
        validated = session.files.load()
        if not validated.deployable:
            return invalid_outcome("health", settings, validated)
        check = perform_check(session, validated)
    finally:
        session.close()  # flushes Sentry before the process ends
    return check_outcome(check, ctx.redact)
