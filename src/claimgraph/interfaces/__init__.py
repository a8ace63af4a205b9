"""Interfaces: the core object (shared by all), the CLI, the HTTP app."""
