"""The HTTP interface: ``create_app`` builds the FastAPI app around one :class:`Claimgraph`."""
