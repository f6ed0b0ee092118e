"""docker-compose.yml: PostgreSQL with pgvector, two bot replicas on one webhook, a reverse proxy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import psycopg
import pytest
import yaml

from newsbot.index import store
from newsbot.index.postgres.database import Database

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_two_replicas_share_the_database_the_secret_and_the_corpus(compose: dict):
    services = compose["services"]
    replicas = [services["bot-1"], services["bot-2"]]
    assert replicas[0] == replicas[1]
    bot = replicas[0]
    assert bot["command"][:2] == ["newsbot", "serve"]
    env = bot["environment"]
    assert env["NEWSBOT_DATABASE_URL"].startswith("postgresql://newsbot:") and "@db:5432/newsbot" in env["NEWSBOT_DATABASE_URL"]
    assert env["NEWSBOT_WEBHOOK_SECRET"].startswith("${NEWSBOT_WEBHOOK_SECRET:?")  # required: one secret for all replicas
    assert env["NEWSBOT_WEBHOOK_URL"].endswith("/newsbot/hook")
    assert "corpus:/data/corpus" in bot["volumes"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_database_has_pgvector_and_the_proxy_reaches_both_replicas(compose: dict):
    db = compose["services"]["db"]
    assert db["image"].startswith("pgvector/pgvector:pg") and int(db["image"].rsplit("pg", 1)[1]) >= 15
    caddyfile = (REPO / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy /newsbot/* bot-1:8443 bot-2:8443" in caddyfile
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in compose["services"]["proxy"]["volumes"]


def test_the_healthcheck_tells_a_database_with_an_index_from_one_without(compose: dict, database_url: str):
    command = compose["services"]["bot-1"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "python", "-c"]

    def check() -> int:
        env = {**os.environ, "NEWSBOT_DATABASE_URL": database_url}
        return subprocess.run([sys.executable, "-c", command[3]], env=env, capture_output=True, timeout=60).returncode

    assert check() == 1
    Database(database_url).close()  # newsbot's tables, as a first start makes them
    manifest = store.Manifest(format_version=store.FORMAT_VERSION, model="m", model_fingerprint="f", backend="onnx",
                              faiss_index="auto", chunk_words=1, chunk_overlap=0, corpus_fingerprint="c",
                              source_fingerprint="s", created=0.0, documents=0, chunks=0, sentences=0, file_sizes={})
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO newsbot_generations (id, manifest, vocabulary) VALUES (1, %s, 1)", (json.dumps(asdict(manifest)),))
        conn.execute("INSERT INTO newsbot_meta VALUES ('current_generation', '1')")
    assert check() == 0
