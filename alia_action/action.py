"""The GitHub Action: ``INPUT_*`` variables in, outputs, summary, annotations and an exit code out."""

from __future__ import annotations

import os
from pathlib import Path

from .outcome import EXIT_USAGE


def main() -> int:
    from .config import ConfigError, Settings, unknown_inputs
    from .workflow import Workflow

    workflow = Workflow.from_process()
    try:
        settings = Settings.from_action_env(os.environ)
    except ConfigError as exc:
        workflow.error(str(exc), title="command-deploy: bad input")
        return EXIT_USAGE
    workflow.mask_all(settings.secrets())  # before anything else reaches the log
    for warning in unknown_inputs(os.environ):
        workflow.warning(warning, title="command-deploy: unknown input")

    from .containment import paths_outside
    from .runner import execute
    from .runtime import Runtime
    from .wording import ACTION

    # The runner starts Docker actions in the workspace (/github/workspace); GITHUB_WORKSPACE names it
    # too, but only trust it when it exists here (a host path means we are not where it points).
    named = os.environ.get("GITHUB_WORKSPACE")
    workspace = Path(named) if named and Path(named).is_dir() else Path.cwd()
    outside = paths_outside(settings, workspace)
    if outside:
        workflow.error("\n".join(outside), title="command-deploy: bad input")
        return EXIT_USAGE
    runtime = Runtime(
        workspace=workspace,
        environ=os.environ,
        in_actions=workflow.in_actions,
        wording=ACTION,
        log=lambda line: workflow.log(line, untrusted=True),
        secrets=workflow.secrets,  # one registry: what the run learns is masked in the log and everywhere else
    )
    try:
        return execute(settings, runtime, workflow)
    finally:
        runtime.close()
        from .ownership import hand_back_files

        hand_back_files(settings, workspace)  # the container is root; later steps run as the runner's user
