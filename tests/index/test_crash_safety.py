"""The index survives a killed build, and a damaged index is refused at load with the fix in the message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
import pytest

from newsbot.index import store
from newsbot.index.build import build_index
from newsbot.index.chunking import ChunkSpec
from newsbot.index.embed import Embedder
from newsbot.index.engine import Engine

REPO = Path(__file__).parents[2]
NEWSBOT = str(Path(sys.executable).with_name("newsbot"))  # the console script, as a user runs it


def _newsbot(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NEWSBOT, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO)


@pytest.fixture
def index_dir(tmp_path: Path, corpus_dir: Path, fake_embedder) -> Path:
    """An index of the three good articles (fake vectors, real files)."""
    directory = tmp_path / "index"
    build_index([corpus_dir], directory, fake_embedder)
    return directory


def _generation(index_dir: Path) -> Path:
    return store.current_path(index_dir).resolve()


def _set_size(index_dir: Path, name: str) -> None:
    """Record `name`'s new size in the manifest, so that only the deeper checks can catch the damage."""
    manifest_file = _generation(index_dir) / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["file_sizes"][name] = (_generation(index_dir) / name).stat().st_size
    manifest_file.write_text(json.dumps(manifest))


def _truncate(index_dir: Path, name: str) -> None:
    path = _generation(index_dir) / name
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def truncated_faiss(d: Path) -> None:
    _truncate(d, "faiss.index")


def truncated_faiss_with_matching_size(d: Path) -> None:
    _truncate(d, "faiss.index")
    _set_size(d, "faiss.index")


def truncated_npy(d: Path) -> None:
    _truncate(d, "chunk_vectors.npy")


def truncated_npy_with_matching_size(d: Path) -> None:
    _truncate(d, "sentence_vectors.npy")
    _set_size(d, "sentence_vectors.npy")


def fewer_vectors_than_chunks(d: Path) -> None:
    vectors = np.load(_generation(d) / "chunk_vectors.npy")
    np.save(_generation(d) / "chunk_vectors.npy", vectors[:-1])
    _set_size(d, "chunk_vectors.npy")


def faiss_of_another_index(d: Path) -> None:
    other = faiss.IndexFlatIP(384)
    other.add(np.eye(2, 384, dtype=np.float32))
    faiss.write_index(other, str(_generation(d) / "faiss.index"))
    _set_size(d, "faiss.index")


def a_document_missing(d: Path) -> None:
    path = _generation(d) / "documents.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))
    _set_size(d, "documents.jsonl")


def documents_of_another_format(d: Path) -> None:
    path = _generation(d) / "documents.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps({**r, "author": "x"}) + "\n" for r in records))
    _set_size(d, "documents.jsonl")


def manifest_not_json(d: Path) -> None:
    (_generation(d) / "manifest.json").write_text('{"format_version": 1, "mod')


def a_file_deleted(d: Path) -> None:
    (_generation(d) / "faiss.index").unlink()


DAMAGE: dict[Callable[[Path], None], str] = {
    truncated_faiss: "is corrupt: faiss.index is ",
    truncated_faiss_with_matching_size: "is corrupt or incomplete (RuntimeError: ",
    truncated_npy: "is corrupt: chunk_vectors.npy is ",
    truncated_npy_with_matching_size: "is corrupt or incomplete (ValueError: ",
    fewer_vectors_than_chunks: "is corrupt: chunk vectors: 2, but the manifest says 3",
    faiss_of_another_index: "is corrupt: FAISS vectors: 2, but the manifest says 3",
    a_document_missing: "is corrupt: documents: 2, but the manifest says 3",
    documents_of_another_format: "is corrupt or incomplete (TypeError: ",
    manifest_not_json: "has an unreadable manifest (",
    a_file_deleted: "is corrupt or incomplete (FileNotFoundError: ",
}


class TestDamagedIndexIsRefusedAtLoad:
    @pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
    def test_clear_message_naming_the_fix(self, index_dir, damage):
        store.load(index_dir)  # sound before the damage
        damage(index_dir)
        with pytest.raises(store.IndexCorrupt) as caught:
            store.load(index_dir)
        message = str(caught.value)
        assert message.startswith(f"the index at {index_dir} ")
        assert DAMAGE[damage] in message
        assert message.endswith(f"; rebuild it with: newsbot index PATH... --index-dir {index_dir}")
        assert "\n" not in message

    def test_a_current_link_to_a_deleted_generation(self, index_dir):
        for path in sorted(_generation(index_dir).rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        _generation(index_dir).rmdir()
        with pytest.raises(store.IndexMissing, match=r"no index at .*; rebuild it with: newsbot index PATH\.\.\."):
            store.load(index_dir)

    @pytest.mark.parametrize("damage", [truncated_faiss, truncated_npy_with_matching_size, fewer_vectors_than_chunks])
    def test_ask_prints_one_line_and_exits_1(self, index_dir, damage):
        damage(index_dir)
        with pytest.raises(store.IndexCorrupt) as caught:
            store.load(index_dir)
        result = _newsbot("ask", "--index-dir", str(index_dir), "How much did the footbridge cost?")
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr == f"newsbot ask: {caught.value}\n"

    def test_the_next_build_replaces_a_damaged_index(self, index_dir, corpus_dir, fake_embedder):
        truncated_faiss(index_dir)
        summary = build_index([corpus_dir], index_dir, fake_embedder)
        assert summary.embedded_chunks == summary.chunks  # nothing reused from a corrupt index
        assert len(store.load(index_dir).documents) == 3


# A child that rewrites the index and kills itself at one step of the write, as a SIGKILL or a power
# cut at that moment would.
_KILLED_WRITE = """
import os, signal, sys
from pathlib import Path
import numpy as np
from newsbot.index import store

directory, step = Path(sys.argv[1]), sys.argv[2]
data = store.load(directory, mmap=False)
die = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
if step == "saving arrays":
    real_save, calls = np.save, []
    def save(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            die()
        real_save(*args, **kwargs)
    np.save = save
elif step == "renaming the generation":
    os.rename = die
elif step == "switching the link":
    os.replace = die
store.write(directory, data)
"""


@pytest.mark.parametrize("step", ["saving arrays", "renaming the generation", "switching the link"])
def test_killed_while_writing_leaves_the_previous_index(index_dir, corpus_dir, fake_embedder, step):
    before = _generation(index_dir)
    documents = store.load(index_dir).documents

    child = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITE, str(index_dir), step],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    leftovers = {p.name.split("-")[0] for p in index_dir.iterdir()} - {"current", ".lock"}
    assert leftovers == {"saving arrays": {"gen", "tmp"}, "renaming the generation": {"gen", "tmp"}}.get(
        step, {"gen", ".current"}
    )

    assert _generation(index_dir) == before
    assert store.load(index_dir).documents == documents

    build_index([corpus_dir], index_dir, fake_embedder)  # the next run completes and tidies up
    after = _generation(index_dir)
    assert after != before
    assert sorted(p.name for p in index_dir.iterdir()) == sorted([".lock", "current", before.name, after.name])


def _news(number: int) -> str:
    return (
        f"Council report {number}\n\n"
        f"The council of district {number} met on Monday to approve a budget of {number * 7} thousand pounds. "
        f"Councillor Avery Stone {number} said the money would repair {number + 3} roads before winter. "
        f"Residents of ward {number} asked for a new bus stop near the school, and the council agreed to study it.\n"
    )


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.mark.model
def test_sigkill_during_embedding_keeps_the_previous_index_answering(tmp_path, corpus_dir, write_corpus, embedder):
    index_dir = tmp_path / "index"
    build_index([corpus_dir], index_dir, embedder)
    before = _generation(index_dir)

    bigger = write_corpus(tmp_path / "bigger", {f"report{n:02d}.txt": _news(n) for n in range(30)})
    write_corpus(bigger)  # and the three articles already indexed
    command = [NEWSBOT, "index", str(bigger), "--index-dir", str(index_dir)]
    with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=REPO) as child:
        assert child.stderr is not None
        deadline = time.monotonic() + 60
        for line in child.stderr:  # progress lines arrive one per stage on a non-terminal stderr
            if "embedding chunks" in line or time.monotonic() > deadline:
                break
        os.kill(child.pid, signal.SIGKILL)  # the model is still loading or embedding: writing comes later
        assert child.wait(timeout=30) == -signal.SIGKILL

    assert _generation(index_dir) == before
    engine = Engine(index_dir=index_dir, corpus_paths=[corpus_dir], embedder=embedder).load()
    assert len(engine.documents()) == 3
    answer = engine.answer("How much did the Kelso footbridge cost?")
    assert answer.answered
    assert any("4 million pounds" in s.text for s in answer.sentences)

    summary = build_index([bigger], index_dir, embedder)  # the next run completes
    assert summary.documents == 33
    assert summary.embedded_chunks == summary.chunks - 3  # the surviving index's vectors were reused
    assert len(engine.load().documents()) == 33


class TestIndexOfAnotherModel:
    @pytest.fixture
    def other_model(self, index_dir: Path) -> Path:
        manifest_file = _generation(index_dir) / "manifest.json"
        manifest = json.loads(manifest_file.read_text())
        manifest["model_fingerprint"] = "0123456789abcdef"
        manifest_file.write_text(json.dumps(manifest))
        return index_dir

    def test_is_refused_at_load(self, other_model, fake_embedder):
        with pytest.raises(store.IndexMismatch) as caught:
            Engine(index_dir=other_model, embedder=fake_embedder).load()
        assert str(caught.value).startswith(f"the index at {other_model} was built with another model (")
        assert str(caught.value).endswith(f"; rebuild it with: newsbot index PATH... --index-dir {other_model}")

    def test_ask_prints_one_line_and_exits_1(self, other_model):
        result = _newsbot("ask", "--index-dir", str(other_model), "How much did the footbridge cost?")
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr.startswith(f"newsbot ask: the index at {other_model} was built with another model")
        assert result.stderr.count("\n") == 1

    def test_ensure_index_rebuilds_every_vector(self, other_model, corpus_dir, fake_embedder):
        engine = Engine(index_dir=other_model, corpus_paths=[corpus_dir], embedder=fake_embedder)
        summary = engine.ensure_index()
        assert summary is not None and summary.embedded_chunks == summary.chunks
        assert engine.ensure_index() is None  # now current: loaded, not rebuilt


class TestIndexOfAnOlderFormat:
    """Format 2 changed what chunks are (no overlap) and the int8 vectors: an older index is rebuilt whole."""

    @pytest.fixture
    def older(self, index_dir: Path) -> Path:
        manifest_file = _generation(index_dir) / "manifest.json"
        manifest = json.loads(manifest_file.read_text())
        manifest["format_version"] = store.FORMAT_VERSION - 1
        manifest_file.write_text(json.dumps(manifest))
        return index_dir

    def test_ensure_index_rebuilds_every_vector(self, older, corpus_dir, fake_embedder):
        engine = Engine(index_dir=older, corpus_paths=[corpus_dir], embedder=fake_embedder)
        summary = engine.ensure_index()
        assert summary is not None and summary.embedded_chunks == summary.chunks
        assert engine.ensure_index() is None

    def test_its_vectors_are_not_reused(self, index_dir, fake_embedder):
        from dataclasses import replace

        from newsbot.index.build import _reusable

        class Target:  # a store that keeps old generations readable, as the database does
            def __init__(self, data: store.IndexData) -> None:
                self.data = data

            def previous(self) -> store.IndexData:
                return self.data

        current = store.load(index_dir)
        spec = ChunkSpec()
        assert _reusable(Target(current), current.manifest.model_fingerprint, spec) is current  # type: ignore[arg-type]
        current.manifest = replace(current.manifest, format_version=store.FORMAT_VERSION - 1)
        assert _reusable(Target(current), current.manifest.model_fingerprint, spec) is None  # type: ignore[arg-type]


class TestFullDisk:
    """Issue 11: a full disk while writing is one line; the old index is kept, the temp folder removed."""

    @staticmethod
    def _full(*args: object, **kwargs: object) -> None:
        import errno

        raise OSError(errno.ENOSPC, "No space left on device")

    @staticmethod
    def _faiss_full(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Error in faiss::FileIOWriter::operator()(const void*, size_t, size_t) at\n"
                           "  /project/faiss/faiss/impl/io.cpp:98: Error: 'ret == (n)' failed: write error: No space left on device")

    @pytest.mark.parametrize("where", ["numpy", "faiss", "lexical"])
    def test_one_line_old_index_kept_no_temp_folder(self, where, index_dir, corpus_dir, fake_embedder, monkeypatch):
        before = _generation(index_dir)
        if where == "numpy":
            monkeypatch.setattr(store.np, "save", self._full)
        elif where == "faiss":
            monkeypatch.setattr(faiss, "write_index", self._faiss_full)
        else:
            monkeypatch.setattr(store.LexicalIndex, "save", self._full)
        (corpus_dir / "more.txt").write_text("Ferry news\n\nThe ferry returned to the harbour on Tuesday.")
        with pytest.raises(store.IndexWriteFailed) as failure:
            build_index([corpus_dir], index_dir, fake_embedder)
        message = str(failure.value)
        assert "\n" not in message
        assert "No space left on device; the old index is kept. A rebuild needs about" in message
        assert _generation(index_dir) == before
        assert store.load(index_dir).manifest.documents == 3
        assert list(index_dir.glob("tmp-*")) == []

    def test_the_cli_prints_one_line(self, tmp_path, corpus_dir):
        script = (
            "import errno, sys, numpy\n"
            "def full(*a, **k): raise OSError(errno.ENOSPC, 'No space left on device')\n"
            "numpy.save = full\n"
            "from newsbot.cli.main import main\n"
            f"sys.exit(main(['index', {str(corpus_dir)!r}, '--index-dir', {str(tmp_path / 'ix')!r}]))\n"
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=REPO)
        assert done.returncode != 0
        lines = [line for line in done.stderr.splitlines() if "Traceback" in line or "No space left" in line]
        assert len(lines) == 1 and "Traceback" not in lines[0], done.stderr
        assert list((tmp_path / "ix").glob("tmp-*")) == []
