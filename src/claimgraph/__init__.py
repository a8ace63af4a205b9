"""claimgraph: a knowledge graph of AI capability claims.

Data flows one way: ``extract`` (sources → plain records) → ``model`` (records → RDF quads, SHACL) →
``store`` (the store protocol and its pyoxigraph adapter) → ``services`` (ingest, SPARQL, exports) →
``interfaces`` (the core object, CLI, HTTP). A module imports only from its left; ``namespaces``,
``errors``, ``config`` and ``resources`` stand at the far left.
"""

__version__ = "0.1.0"
