# The image the runner builds for `uses: alia-bot/command-deploy@<ref>` (release tags use the prebuilt
# image on GHCR instead; see README "Releases"). Same Python minor as CI tests.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pinned runtime dependencies first: this layer is reused while only the code changes.
COPY requirements.lock /opt/command-deploy/requirements.lock
RUN pip install --no-cache-dir -r /opt/command-deploy/requirements.lock

COPY pyproject.toml README.md /opt/command-deploy/
COPY alia_action /opt/command-deploy/alia_action
COPY entrypoint.py /opt/command-deploy/entrypoint.py
RUN pip install --no-cache-dir --no-deps /opt/command-deploy \
    && python -m compileall -q /opt/command-deploy/entrypoint.py

# No USER and no WORKDIR: GitHub runs Docker actions as root in /github/workspace.
ENTRYPOINT ["/usr/local/bin/python", "/opt/command-deploy/entrypoint.py"]
