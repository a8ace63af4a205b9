"""Settings: where the store is and who may write. Read once from the environment and the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from claimgraph.errors import UsageError

__all__ = ["Settings", "DEFAULT_STORE", "MEMORY"]

#: The embedded on-disk store used when neither ``--store`` nor ``CLAIMGRAPH_STORE`` is given.
DEFAULT_STORE = "data/store"
MEMORY = "memory:"


@dataclass(frozen=True)
class Settings:
    """Everything that configures one claimgraph instance.

    ``store``: a directory path (the embedded pyoxigraph store on disk), ``memory:`` (in memory,
    gone at exit), or later a remote store URL. ``token``: the bearer token that writes need; ``None``
    refuses every write over HTTP.
    """

    store: str = DEFAULT_STORE
    token: str | None = None

    @classmethod
    def from_env(cls, store: str | None = None, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        token = env.get("CLAIMGRAPH_TOKEN") or None
        token_file = env.get("CLAIMGRAPH_TOKEN_FILE")
        if token is None and token_file:
            try:
                token = Path(token_file).read_text(encoding="utf-8").strip() or None
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"CLAIMGRAPH_TOKEN_FILE {token_file}: cannot read the token: {exc}") from None
        return cls(store=store or env.get("CLAIMGRAPH_STORE") or DEFAULT_STORE, token=token)

    @property
    def in_memory(self) -> bool:
        return self.store == MEMORY
