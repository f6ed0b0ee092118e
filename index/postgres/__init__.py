"""PostgreSQL + pgvector as the index store, shared by several processes (NEWSBOT_DATABASE_URL).

- `database`: connecting, the schema and its version, one-line errors that say what to do.
- `generations`: writing a generation (one transaction, one writer under an advisory lock),
  switching to it, dropping old ones; loading the current one.
- `tables`: a generation's tables, created and filled by binary COPY, read back.
- `stores`: the `VectorStore` / `LexicalStore` of the store seam over a generation's tables, and
  `PgSnapshot`, the `Snapshot` the answer pipeline reads.

`generations.PostgresIndex` is the engine's `IndexStore` when a database URL is set
(newsbot.index.storage.open_store).
"""
