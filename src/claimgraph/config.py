"""Settings: where the store is, who may write, and the limits that keep a server alive.

Read once from the environment (and the command line, which wins); every setting is documented in the
README, and a test fails when one is not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from claimgraph.errors import UsageError

__all__ = ["Settings", "RemoteSettings", "DEFAULT_STORE", "MEMORY"]

#: The embedded on-disk store used when neither ``--store`` nor ``CLAIMGRAPH_STORE`` is given.
DEFAULT_STORE = "data/store"
MEMORY = "memory:"


def default_serve_processes() -> int:
    """One serving process per CPU, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Settings:
    """Everything that configures one claimgraph instance.

    ``store``: a directory path (the embedded pyoxigraph store on disk) or ``memory:``.
    ``token``: the bearer token writes need over HTTP; ``None`` refuses every write.
    ``query_timeout``: seconds a query may run before it is stopped. ``query_workers``: processes that
    run queries. ``serve_processes``: processes that accept HTTP connections under ``serve`` (one per CPU, at most
    4, by default; 1: the store's process alone). ``max_query_bytes`` / ``max_body_bytes``: request size limits.
    ``answer_cache_bytes``: the answers each front process keeps whole for the store's current state (0: none).
    ``cors_origins``: origins allowed to call the API from a browser (none by default).
    ``write_rate`` / ``write_burst``: writes a client address may make per second on average / at once.
    ``score_tolerance`` / ``score_relative_tolerance``: how far two comparable scores may differ (in points,
    and as a fraction of the larger) beyond their rounding before they are a conflict.
    ``remote``: how to reach a remote store, when ``store`` is a ``sparql+http(s)://`` URL.
    ``malloc``: the allocator ``serve`` runs on: ``jemalloc`` (when the system has it), ``system``, or the path
    of a ``malloc`` library (see :mod:`claimgraph.interfaces.malloc`).
    """

    store: str = DEFAULT_STORE
    token: str | None = None
    query_timeout: float = 30.0
    query_workers: int = 2
    serve_processes: int = field(default_factory=lambda: default_serve_processes())
    max_query_bytes: int = 256 * 1024
    max_body_bytes: int = 64 * 1024 * 1024
    max_result_bytes: int = 1024 * 1024 * 1024
    answer_cache_bytes: int = 64 * 1024 * 1024
    cors_origins: tuple[str, ...] = field(default=())
    write_rate: float = 50.0
    write_burst: int = 200
    score_tolerance: float = 0.5
    score_relative_tolerance: float = 0.01
    remote: "RemoteSettings" = field(default_factory=lambda: RemoteSettings())
    malloc: str = "jemalloc"

    @classmethod
    def from_env(cls, store: str | None = None, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        token = _secret(env, "CLAIMGRAPH_TOKEN")
        origins = tuple(o.strip() for o in env.get("CLAIMGRAPH_CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            store=store or env.get("CLAIMGRAPH_STORE") or DEFAULT_STORE,
            token=token,
            query_timeout=_number(env, "CLAIMGRAPH_QUERY_TIMEOUT", 30.0, float),
            query_workers=_number(env, "CLAIMGRAPH_QUERY_WORKERS", 2, int),
            serve_processes=_number(env, "CLAIMGRAPH_SERVE_PROCESSES", default_serve_processes(), int),
            max_query_bytes=_number(env, "CLAIMGRAPH_MAX_QUERY_BYTES", 256 * 1024, int),
            max_body_bytes=_number(env, "CLAIMGRAPH_MAX_BODY_BYTES", 64 * 1024 * 1024, int),
            max_result_bytes=_number(env, "CLAIMGRAPH_MAX_RESULT_BYTES", 1024 * 1024 * 1024, int),
            answer_cache_bytes=_number(env, "CLAIMGRAPH_ANSWER_CACHE_BYTES", 64 * 1024 * 1024, int, zero=True),
            cors_origins=origins,
            write_rate=_number(env, "CLAIMGRAPH_WRITE_RATE", 50.0, float),
            write_burst=_number(env, "CLAIMGRAPH_WRITE_BURST", 200, int),
            score_tolerance=_number(env, "CLAIMGRAPH_SCORE_TOLERANCE", 0.5, float, zero=True),
            score_relative_tolerance=_number(env, "CLAIMGRAPH_SCORE_RELATIVE_TOLERANCE", 0.01, float, zero=True),
            remote=RemoteSettings.from_env(env),
            malloc=_malloc(env),
        )

    @property
    def in_memory(self) -> bool:
        return self.store == MEMORY

    @property
    def on_disk(self) -> bool:
        """Whether the store is the embedded one in a folder (neither ``memory:`` nor a remote store's URL)."""
        return not self.in_memory and "://" not in self.store


@dataclass(frozen=True)
class RemoteSettings:
    """A remote store's endpoints and credentials (see :mod:`claimgraph.store.remote`).

    ``update_url`` / ``graph_store_url``: where updates and Graph Store requests go, when not where the store
    URL implies. ``auth``: none, basic, digest, bearer or hook:module:callable; ``user`` / ``password`` its
    credentials (the password is the token for bearer). ``dialect``: auto (from the server's answer),
    virtuoso, oxigraph, qlever or sparql. ``timeout``: seconds a request to the store may take.
    """

    update_url: str | None = None
    graph_store_url: str | None = None
    auth: str = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    dialect: str = "auto"
    timeout: float = 60.0

    @classmethod
    def from_env(cls, env: os._Environ[str] | dict[str, str]) -> "RemoteSettings":  # type: ignore[type-arg]
        password = _secret(env, "CLAIMGRAPH_STORE_PASSWORD")
        return cls(
            update_url=env.get("CLAIMGRAPH_STORE_UPDATE_URL") or None,
            graph_store_url=env.get("CLAIMGRAPH_STORE_GSP_URL") or None,
            auth=env.get("CLAIMGRAPH_STORE_AUTH") or "none",
            user=env.get("CLAIMGRAPH_STORE_USER") or None,
            password=password,
            dialect=env.get("CLAIMGRAPH_STORE_DIALECT") or "auto",
            timeout=_number(env, "CLAIMGRAPH_STORE_TIMEOUT", 60.0, float),
        )


def _secret(env: os._Environ[str] | dict[str, str], name: str) -> str | None:  # type: ignore[type-arg]
    """A secret from the variable ``name``, else from the file that ``name``_FILE names."""
    value = env.get(name) or None
    path = env.get(f"{name}_FILE")
    if value is None and path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{name}_FILE {path}: cannot read it: {exc}") from None
    return value


def _malloc(env: os._Environ[str] | dict[str, str]) -> str:  # type: ignore[type-arg]
    value = env.get("CLAIMGRAPH_MALLOC") or "jemalloc"
    if value not in ("jemalloc", "system") and not Path(value).is_file():
        raise UsageError(f"CLAIMGRAPH_MALLOC must be jemalloc, system or the path of a malloc library, got {value!r}"
                         + (" (no such file)" if "/" in value else ""))
    return value


def _number(env: os._Environ[str] | dict[str, str], name: str, default: float, kind: type,  # type: ignore[type-arg]
            zero: bool = False) -> float | int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise UsageError(f"{name} must be a {'whole ' if kind is int else ''}number, got {raw!r}") from None
    if value < 0 or (value == 0 and not zero) or value != value:
        raise UsageError(f"{name} must be {'zero or more' if zero else 'positive'}, got {raw!r}")
    return value
