"""Errors that reach users. Each carries where the problem is and what was expected, and an exit code.

Exit codes (the CLI's contract): 0 success; 1 the input or the data is wrong (a malformed dossier,
a bad query, SHACL violations); 2 the command line is wrong; 3 the store cannot be used
(locked by another process, unreadable).
"""

from __future__ import annotations

__all__ = ["ClaimgraphError", "DossierSyntaxError", "InputError", "ManyErrors", "QueryError", "StoreError",
           "StoreTimeout", "UnsupportedMediaType", "UsageError", "ValidationError"]


class ClaimgraphError(Exception):
    """Base of every error claimgraph reports to a user as one line."""

    exit_code = 1


class InputError(ClaimgraphError):
    """Input that cannot be used (a file that cannot be read, an RDF file that does not parse)."""


class DossierSyntaxError(InputError):
    """A dossier that does not follow the format; names the file, the line and what was expected."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        super().__init__(f"{source}:{line}: {message}")

    def __reduce__(self) -> tuple[type, tuple[str, int, str]]:  # rebuilt whole in another process
        return type(self), (self.source, self.line, self.message)


class QueryError(ClaimgraphError):
    """A SPARQL query or update that cannot be parsed or run."""


class StoreTimeout(QueryError):
    """A remote store that did not answer a request within its time limit."""


class UsageError(ClaimgraphError):
    """A command used wrongly (an unknown format, a missing argument)."""

    exit_code = 2


class StoreError(ClaimgraphError):
    """The store cannot be opened or written (for example: another process holds its lock)."""

    exit_code = 3


class ManyErrors(ClaimgraphError):
    """Several errors found in one run (for example one per malformed dossier), reported together."""

    def __init__(self, errors: list[ClaimgraphError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
        self.exit_code = max(e.exit_code for e in errors)

    def __reduce__(self) -> tuple[type, tuple[list[ClaimgraphError]]]:
        return type(self), (self.errors,)


class ValidationError(InputError):
    """Data that violates the SHACL shapes; nothing of it was written."""


class UnsupportedMediaType(InputError):
    """A payload in a media type claimgraph does not read."""
