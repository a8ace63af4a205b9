"""Conflict detection: what contradicts what in the graph, explained.

* :mod:`.facts` reads the statements of a scope (a benchmark, a domain, a subject) from the store;
* :mod:`.scan` reads every statement of the store at once, each with its properties together;
* :mod:`.kept` keeps every fact in the store's folder between two runs of a server;
* :mod:`.comparability` decides which scores are about the same thing, on one scale, up to rounding;
* one module per detector (``score_disagreement`` … ``stale_dependence``), each with its example;
* :mod:`.index` keeps the conflicts as data in their own named graph, updated scope by scope;
* :mod:`.check` answers what a proposed claim would conflict with, writing nothing.

The names below are imported from their modules when first used (PEP 562), not with the package: a command that
needs only the kinds of conflict (``TYPES``, ``SEVERITIES``) does not load the detectors and the dossier mapping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claimgraph.lazy import lazy_exports

if TYPE_CHECKING:
    from claimgraph.services.conflicts.check import Proposal, proposal_from_json, proposal_from_text
    from claimgraph.services.conflicts.comparability import Tolerance
    from claimgraph.services.conflicts.conflict import SEVERITIES, TYPES, Conflict, conflicts_json
    from claimgraph.services.conflicts.detectors import detect, scopes_of_quads
    from claimgraph.services.conflicts.facts import FactSet, Scope, load_facts
    from claimgraph.services.conflicts.index import ConflictFilter, ConflictIndex

# ``check``, the function, is imported from its module (``conflicts.check.check``): here the name is the module's
_FROM = {"Proposal": "check", "proposal_from_json": "check", "proposal_from_text": "check",
         "Tolerance": "comparability", "SEVERITIES": "conflict", "TYPES": "conflict", "Conflict": "conflict",
         "conflicts_json": "conflict", "detect": "detectors", "scopes_of_quads": "detectors", "FactSet": "facts",
         "Scope": "facts", "load_facts": "facts", "ConflictFilter": "index", "ConflictIndex": "index"}

__all__ = ["Conflict", "conflicts_json", "ConflictFilter", "ConflictIndex", "FactSet", "Proposal", "Scope",
           "SEVERITIES", "TYPES", "Tolerance", "detect", "load_facts", "proposal_from_json",
           "proposal_from_text", "scopes_of_quads"]

__getattr__ = lazy_exports(__name__, _FROM)
