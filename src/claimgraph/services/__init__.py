"""Services over a store: ingest, SPARQL for people and scripts, validation, statistics, exports."""
