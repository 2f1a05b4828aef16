"""A release keeps action.yml, the image and ``alia_action.__version__`` in agreement.

The version is single-sourced (pyproject reads ``__version__``); release.yml derives every tag from it and
refuses a git tag that differs. The release steps themselves (the version check, the release commit that
points ``runs.image`` at the pushed digest, the moved tags) are taken from release.yml and run here against
local git repositories, the remote being a bare repository in place of GitHub.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

import alia_action

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
CI = ROOT / ".github" / "workflows" / "ci.yml"
IMAGE = "ghcr.io/alia-bot/command-deploy"
DIGEST = "sha256:" + "0123456789abcdef" * 4
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
PREBUILT = re.compile(
    r"^  image: docker://(?P<image>[a-z0-9./-]+)@(?P<digest>sha256:[0-9a-f]{64}) # v(?P<version>\S+)$", re.M
)


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def image_problems(action_yml: str, version: str) -> list[str]:
    """What is wrong with ``runs.image``: ``Dockerfile`` (default branch) or the release's prebuilt image."""
    image = yaml.safe_load(action_yml)["runs"]["image"]
    if image == "Dockerfile":
        return []
    match = PREBUILT.search(action_yml)
    if match is None:
        return [f"runs.image must be Dockerfile or docker://{IMAGE}@sha256:<digest> # v<version>; got {image!r}"]
    problems = []
    if match.group("image") != IMAGE:
        problems.append(f"image {match.group('image')} is not {IMAGE}")
    if match.group("version") != version:
        problems.append(f"image is of v{match.group('version')}, __version__ is {version}")
    if image != f"docker://{match.group('image')}@{match.group('digest')}":
        problems.append(f"runs.image reads {image!r}")
    return problems


def step_script(job: str, step_id: str) -> str:
    for step in load(RELEASE)["jobs"][job]["steps"]:
        if step.get("id") == step_id:
            script: str = step["run"]
            return script
    raise AssertionError(f"release.yml: no step {step_id} in job {job}")


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A run: step as the runner runs it with shell bash."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env={**base, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd.parent), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, "HOME": str(cwd.parent), "GIT_CONFIG_NOSYSTEM": "1"},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


# ---------------------------------------------------------------------------- one version, everywhere


def test_version_is_single_sourced_and_releasable() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "alia_action.__version__"}
    assert SEMVER.fullmatch(alia_action.__version__), "release.yml publishes only X.Y.Z versions"


def test_action_yml_runs_the_dockerfile_or_this_versions_image() -> None:
    assert image_problems((ROOT / "action.yml").read_text(encoding="utf-8"), alia_action.__version__) == []


def test_the_image_check_catches_disagreement() -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    other = text.replace("  image: Dockerfile", f"  image: docker://{IMAGE}@{DIGEST} # v0.0.1")
    assert image_problems(other, "1.0.0") == ["image is of v0.0.1, __version__ is 1.0.0"]
    by_tag = text.replace("  image: Dockerfile", f"  image: docker://{IMAGE}:v1")
    assert len(image_problems(by_tag, "1.0.0")) == 1  # a tag can move: releases pin the digest


def test_image_python_is_the_python_ci_tests() -> None:
    from_line = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("FROM "))
    image_python = re.fullmatch(r"FROM python:(\d+\.\d+)-slim(@sha256:[0-9a-f]{64})?", from_line)
    assert image_python, from_line
    ci_pythons = {
        step["with"]["python-version"]
        for job in load(CI)["jobs"].values()
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("actions/setup-python@")
    }
    assert ci_pythons == {image_python.group(1)}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["requires-python"] == f">={image_python.group(1)}"
    assert project["tool"]["mypy"]["python_version"] == image_python.group(1)


def test_release_workflow_derives_every_tag_from_the_verified_version() -> None:
    workflow = load(RELEASE)
    assert workflow.get("on", workflow.get(True)) == {"push": {"tags": ["v*.*.*"]}}
    assert workflow["env"]["IMAGE"] == IMAGE
    jobs = workflow["jobs"]
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert set(jobs["image"]["needs"]) == {"version", "test"}
    assert set(jobs["publish"]["needs"]) == {"version", "image"}

    image_steps = {s.get("id"): s for s in jobs["image"]["steps"]}
    meta = image_steps["meta"]["with"]
    assert meta["images"] == "${{ env.IMAGE }}"
    assert meta["tags"].splitlines() == [
        "type=raw,value=v${{ needs.version.outputs.version }}",
        "type=raw,value=v${{ needs.version.outputs.minor }},enable=${{ needs.version.outputs.move-minor }}",
        "type=raw,value=v${{ needs.version.outputs.major }},enable=${{ needs.version.outputs.move-major }}",
    ]
    assert meta["flavor"] == "latest=false"
    assert "org.opencontainers.image.version=${{ needs.version.outputs.version }}" in meta["labels"].splitlines()
    build = image_steps["build"]["with"]
    assert build["push"] is True
    assert build["platforms"] == "linux/amd64,linux/arm64"
    assert (build["tags"], build["labels"]) == ("${{ steps.meta.outputs.tags }}", "${{ steps.meta.outputs.labels }}")
    assert "cache-from" not in build  # a release image is built from its sources alone
    assert jobs["image"]["outputs"]["digest"] == "${{ steps.build.outputs.digest }}"
    assert jobs["publish"]["env"]["DIGEST"] == "${{ needs.image.outputs.digest }}"
    assert jobs["publish"]["env"]["VERSION"] == "${{ needs.version.outputs.version }}"
    for job in jobs.values():
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["ref"] == "${{ github.sha }}"  # re-runs build the tagged sources


# ---------------------------------------------------------------------------- the version step


def source_repo(path: Path, version: str, *, tags: tuple[str, ...] = ()) -> Path:
    (path / "alia_action").mkdir(parents=True)
    (path / "alia_action" / "__init__.py").write_text(f'"""x"""\n\n__version__ = "{version}"\n')
    shutil.copy(ROOT / "action.yml", path / "action.yml")
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "add", ".")
    git(path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "source")
    for tag in tags:
        git(path, "tag", tag)
    return path


def run_version_step(repo: Path, ref_name: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    output = repo.parent / "output"
    output.write_text("")
    result = bash(step_script("version", "version"), repo, {"GITHUB_REF_NAME": ref_name, "GITHUB_OUTPUT": str(output)})
    return result, outputs(output)


def test_version_step_accepts_the_matching_tag_and_moves_the_major(tmp_path: Path) -> None:
    repo = source_repo(tmp_path / "repo", "1.4.2", tags=("v1.3.0", "v1.4.1", "v1.4.2"))
    result, out = run_version_step(repo, "v1.4.2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert out == {
        "version": "1.4.2",
        "minor": "1.4",
        "major": "1",
        "move-minor": "true",
        "move-major": "true",
        "latest": "true",
    }


def test_version_step_refuses_a_tag_that_differs_from_version(tmp_path: Path) -> None:
    repo = source_repo(tmp_path / "repo", "1.4.2", tags=("v1.4.3",))
    result, out = run_version_step(repo, "v1.4.3")
    assert result.returncode == 1
    assert "::error::tag v1.4.3 differs from alia_action.__version__ (1.4.2)" in result.stdout
    assert out == {}


def test_version_step_refuses_a_version_that_is_not_x_y_z(tmp_path: Path) -> None:
    repo = source_repo(tmp_path / "repo", "1.5.0rc1", tags=("v1.5.0rc1",))
    result, out = run_version_step(repo, "v1.5.0rc1")
    assert result.returncode == 1
    assert "__version__ must be X.Y.Z for a release; found '1.5.0rc1'" in result.stdout
    assert out == {}


def test_version_step_refuses_a_commit_whose_action_runs_a_prebuilt_image(tmp_path: Path) -> None:
    repo = source_repo(tmp_path / "repo", "1.4.2", tags=("v1.4.2",))
    action = repo / "action.yml"
    action.write_text(action.read_text().replace("  image: Dockerfile", f"  image: docker://{IMAGE}@{DIGEST} # v1.4.1"))
    result, _ = run_version_step(repo, "v1.4.2")
    assert result.returncode == 1
    assert "runs.image must be Dockerfile on the tagged commit" in result.stdout


def test_a_patch_of_an_older_line_never_moves_the_major_tag_back(tmp_path: Path) -> None:
    repo = source_repo(tmp_path / "repo", "1.3.1", tags=("v1.3.0", "v1.3.1", "v1.10.0", "v2.0.0"))
    result, out = run_version_step(repo, "v1.3.1")
    assert result.returncode == 0, result.stdout + result.stderr
    # 1.10.0 > 1.3.1 (version order, not text order): v1 stays; v1.3 moves; v2.0.0 stays the latest release.
    assert (out["move-minor"], out["move-major"], out["latest"]) == ("true", "false", "false")


# ---------------------------------------------------------------------------- the release commit and tags


def released(tmp_path: Path, version: str = "1.4.2") -> tuple[Path, Path, str]:
    """A bare "origin" holding a tagged source commit, and a clone of it at that commit."""
    source = source_repo(tmp_path / "source", version, tags=(f"v{version}",))
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(source), str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(origin), str(work))
    tagged = git(work, "rev-parse", f"v{version}^{{commit}}")
    git(work, "checkout", "--quiet", tagged)
    return origin, work, tagged


def publish_env(version: str, *, digest: str = DIGEST, move: bool = True) -> dict[str, str]:
    major, minor = version.split(".")[0], version.rsplit(".", 1)[0]
    return {
        "IMAGE": IMAGE,
        "VERSION": version,
        "MINOR": minor,
        "MAJOR": major,
        "MOVE_MINOR": str(move).lower(),
        "MOVE_MAJOR": str(move).lower(),
        "DIGEST": digest,
    }


def test_release_commit_points_action_yml_at_the_digest_and_the_tags_follow(tmp_path: Path) -> None:
    origin, work, tagged = released(tmp_path)
    env = publish_env("1.4.2")

    commit = bash(step_script("publish", "commit"), work, env)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    tags = bash(step_script("publish", "tags"), work, env)
    assert tags.returncode == 0, tags.stdout + tags.stderr

    release = git(origin, "rev-parse", "v1.4.2^{commit}")
    assert release != tagged
    assert git(origin, "rev-parse", f"{release}^") == tagged  # a child of the tagged source commit
    assert git(origin, "rev-parse", "v1.4^{commit}") == git(origin, "rev-parse", "v1^{commit}") == release
    assert git(origin, "diff", "--name-only", tagged, release) == "action.yml"

    before = yaml.safe_load(git(origin, "show", f"{tagged}:action.yml"))
    text = git(origin, "show", f"{release}:action.yml") + "\n"
    after = yaml.safe_load(text)
    assert after["runs"] == {"using": "docker", "image": f"docker://{IMAGE}@{DIGEST}"}
    assert {k: v for k, v in after.items() if k != "runs"} == {k: v for k, v in before.items() if k != "runs"}
    assert image_problems(text, "1.4.2") == []
    assert f"Release v1.4.2: action.yml runs {IMAGE}@{DIGEST}" in git(origin, "log", "-1", "--format=%B", release)

    checker = Path(sys.executable).parent / "check-jsonschema"
    if checker.is_file():
        (tmp_path / "released-action.yml").write_text(text)
        schema = subprocess.run(
            [str(checker), "--builtin-schema", "vendor.github-actions", str(tmp_path / "released-action.yml")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert schema.returncode == 0, schema.stdout + schema.stderr


def test_an_older_lines_release_moves_only_its_own_tag(tmp_path: Path) -> None:
    origin, work, _ = released(tmp_path, "1.3.1")
    git(origin, "tag", "v1", git(origin, "rev-parse", "v1.3.1^{commit}"))  # stands for the newer line's v1
    v1_before = git(origin, "rev-parse", "v1")
    env = publish_env("1.3.1", move=False)
    assert bash(step_script("publish", "commit"), work, env).returncode == 0
    assert bash(step_script("publish", "tags"), work, env).returncode == 0
    assert git(origin, "rev-parse", "v1") == v1_before
    assert git(origin, "tag", "--list", "v1.3") == ""
    assert git(origin, "rev-parse", "v1.3.1^{commit}") != v1_before


@pytest.mark.parametrize("digest", ["", "sha256:abc", "latest", f"{DIGEST}\n  image: Dockerfile"])
def test_release_commit_refuses_a_missing_or_malformed_digest(tmp_path: Path, digest: str) -> None:
    _, work, tagged = released(tmp_path)
    result = bash(step_script("publish", "commit"), work, publish_env("1.4.2", digest=digest))
    assert result.returncode == 1
    assert "::error::no image digest" in result.stdout
    assert git(work, "rev-parse", "HEAD") == tagged
    assert git(work, "status", "--porcelain") == ""


def test_release_commit_is_made_once(tmp_path: Path) -> None:
    _, work, _ = released(tmp_path)
    env = publish_env("1.4.2")
    assert bash(step_script("publish", "commit"), work, env).returncode == 0
    again = bash(step_script("publish", "commit"), work, env)
    assert again.returncode == 1
    assert "expected exactly one 'image: Dockerfile' line under runs" in again.stdout
