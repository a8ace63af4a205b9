"""What the store holds, counted."""

from __future__ import annotations

from dataclasses import dataclass

from claimgraph.services.sparql import named_query
from claimgraph.store import Store

__all__ = ["Stats", "stats"]


@dataclass(frozen=True)
class Stats:
    quads: int
    named_graphs: int
    classes: dict[str, int]  # local class name → resources of that class
    stances: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        return {"quads": self.quads, "named_graphs": self.named_graphs, "classes": self.classes,
                "stances": self.stances}


def stats(store: Store) -> Stats:
    classes = {row["class"].value.rsplit("#", 1)[1]: int(row["n"].value)  # type: ignore[index]
               for row in store.query(named_query("stats-classes"))}  # type: ignore[union-attr]
    stances = {row["stance"].value: int(row["n"].value)  # type: ignore[index]
               for row in store.query(named_query("stats-stances"))}  # type: ignore[union-attr]
    return Stats(store.count(), sum(1 for _ in store.named_graphs()), dict(sorted(classes.items())), stances)
