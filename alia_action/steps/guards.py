"""The deploy's guards, as rules both sides share: ``apply`` stops a write with them, ``detect`` shows a
plan what they will say when it is deployed (a reviewer sees the stop before the merge, not after it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..commands.plan import removal_label
from ..discord.errors import DAILY_CREATE_LIMIT

if TYPE_CHECKING:
    from ..commands.plan import Plan
    from ..config import Settings
    from ..runtime import Runtime
    from ..scope import Scope


def deletion_limit(settings: Settings, target: Scope) -> int | None:
    """How many removals a plan may hold without consent. None: any number (consent given)."""
    if settings.allow_deletions:
        return None
    if settings.max_deletions is not None:
        return int(settings.max_deletions)
    # A production guild (a per-guild set) is production: no removal without consent, as globally.
    return 5 if target.environment == "staging" else 0


CREATES_NEAR = 0.75  # a plan that leaves less than a quarter of the daily create budget says so


def plan_verdicts(
    settings: Settings, ctx: Runtime, plan: Plan, target: Scope, application_id: str | None
) -> list[dict[str, Any]]:
    """What the guards of :func:`check_guards` will say when this plan is deployed, for the plan itself
    (detect, the PR comment): a reviewer sees the stop before the merge, not after it."""
    verdicts: list[dict[str, Any]] = []
    limit = deletion_limit(settings, target)
    removed = [removal_label(c) for c in plan.removed]  # a type change counts as a removal
    if removed and limit is not None and len(removed) > limit:
        verdicts.append(
            {
                "guard": "deletion",
                "blocks": True,
                "message": (
                    f"the deletion guard will stop the {target.environment} deploy of this plan: it removes "
                    f"{len(removed)} command(s) from {target.label} ({', '.join(removed)}), more than "
                    f"max-deletions={limit}. Set {ctx.wording.setting('allow-deletions')} on that deploy if the "
                    "removal is intended"
                ),
            }
        )
    elif removed:
        consent = "allow-deletions is set" if limit is None else f"within max-deletions={limit}"
        verdicts.append(
            {
                "guard": "deletion",
                "blocks": False,
                "message": f"removes {len(removed)} command(s) from {target.label} ({', '.join(removed)}): {consent}",
            }
        )
    if plan.creates and application_id is not None:
        from ..stores.ledger import creates_spent  # its model only when a budget is to be read

        spent = creates_spent(
            ctx.ledger(settings), application_id=application_id, guild_id=target.guild_id, now=ctx.now()
        )
        left = DAILY_CREATE_LIMIT - spent
        if plan.creates > left:
            message = (
                f"the daily create budget will stop this deploy: it creates {plan.creates} command(s) in "
                f"{target.label}, but only {max(left, 0)} of Discord's {DAILY_CREATE_LIMIT} daily creates are left "
                f"({spent} spent in the last 24 h); wait, or rename with renamedFrom (renames spend none)"
            )
            verdicts.append({"guard": "creates", "blocks": True, "message": message})
        elif spent + plan.creates >= DAILY_CREATE_LIMIT * CREATES_NEAR:
            message = (
                f"near the daily create budget: this plan creates {plan.creates} command(s) in {target.label}; "
                f"{left - plan.creates} of Discord's {DAILY_CREATE_LIMIT} daily creates will remain ({spent} spent "
                "in the last 24 h)"
            )
            verdicts.append({"guard": "creates", "blocks": False, "message": message})
    return verdicts
