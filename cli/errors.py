"""What every `newsbot` subcommand shares: the one-line error, and quiet libraries."""

from __future__ import annotations


class CliError(Exception):
    """A user-facing failure: printed as one line, no traceback."""


def quiet_libraries() -> None:
    """Keep the libraries' own log lines and warnings off the terminal (newsbot's one line says it)."""
    import logging
    import warnings

    for name in ("transformers", "sentence_transformers", "bm25s", "trafilatura", "htmldate"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="transformers")
    # transformers (only imported by the torch backend) is quieted where it is loaded.
