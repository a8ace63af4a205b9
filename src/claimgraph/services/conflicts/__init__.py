"""Conflict detection: what contradicts what in the graph, explained.

* :mod:`.facts` reads the statements of a scope (a benchmark, a domain, a subject) from the store;
* :mod:`.comparability` decides which scores are about the same thing, on one scale, up to rounding;
* one module per detector (``score_disagreement`` … ``stale_dependence``), each with its example;
* :mod:`.index` keeps the conflicts as data in their own named graph, updated scope by scope;
* :mod:`.check` answers what a proposed claim would conflict with, writing nothing.
"""

from __future__ import annotations

from claimgraph.services.conflicts.check import Proposal, check, proposal_from_json, proposal_from_text
from claimgraph.services.conflicts.comparability import Tolerance
from claimgraph.services.conflicts.conflict import SEVERITIES, TYPES, Conflict, conflicts_json
from claimgraph.services.conflicts.detectors import detect, scopes_of_quads
from claimgraph.services.conflicts.facts import FactSet, Scope, load_facts
from claimgraph.services.conflicts.index import ConflictFilter, ConflictIndex

__all__ = ["Conflict", "conflicts_json", "ConflictFilter", "ConflictIndex", "FactSet", "Proposal", "Scope", "SEVERITIES", "TYPES",
           "Tolerance", "check", "detect", "load_facts", "proposal_from_json", "proposal_from_text",
           "scopes_of_quads"]
