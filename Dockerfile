# content-api: the guides of content/ served by granian; /content can be replaced by a volume.
#   docker build -t content-api .
#   docker run -p 8000:8000 content-api
#   docker run -p 8000:8000 -v "$PWD/content:/content:ro" -e WORKERS=2 content-api
#   docker run -p 8000:8000 -v "$PWD:/repo:ro" -e CONTENT_DIR=/repo/content content-api  # git dates

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /venv
# The locked dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements/runtime.lock requirements/runtime.lock
RUN /venv/bin/pip install --require-hashes --no-deps -r requirements/runtime.lock
COPY pyproject.toml README.md ./
COPY content_api content_api
RUN /venv/bin/pip install --no-deps .

FROM python:3.11-slim-bookworm
# git: GIT_DATES=auto (the default) dates each guide by its file's last commit when the content
# folder is in a git checkout, e.g. a whole checkout mounted as a volume with CONTENT_DIR pointing
# into it (the copy of content/ below has no .git: it is dated by modification time). Without git
# the service still runs, and dates by modification time. Not pinned: Debian's security updates
# replace a pinned version. safe.directory: a mounted checkout belongs to the host's user, not
# to 10001, and git would refuse to read it; the service only reads (rev-parse, log, ls-tree),
# with fsmonitor and signature checks off (content_api/gitdates.py).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin content-api
COPY --from=build /venv /venv
COPY content /content
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CONTENT_DIR=/content \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=1
USER 10001
EXPOSE 8000
# Liveness: the process answers (/health is 200 while the content loads; /ready says when it can serve).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['PORT']}/health\", timeout=2)"]
CMD ["content-api", "serve"]
