"""HTTP content negotiation (RFC 9110 §12.5.1): the best offered media type for an Accept header."""

from __future__ import annotations

__all__ = ["best_match", "parse_accept"]


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """[(media range, q, order)], highest q first; a missing header accepts anything."""
    if not header or not header.strip():
        return [("*/*", 1.0, 0)]
    ranges = []
    for order, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if not media:
            continue
        q = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, order))
    return ranges


def _specificity(media_range: str, offer: str) -> int | None:
    if media_range == offer:
        return 3
    kind, _, _sub = offer.partition("/")
    if media_range == f"{kind}/*":
        return 2
    if media_range == "*/*":
        return 1
    return None


def best_match(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers most (ties go to the earlier offer), or None if it accepts none.

    Each offer takes the q of the most specific range that matches it, as RFC 9110 says.
    """
    ranges = parse_accept(header)
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, offer in enumerate(offers):
        matches = [(spec, q) for media, q, _ in ranges if (spec := _specificity(media, offer)) is not None]
        if not matches:
            continue
        q = max(matches)[1]
        if q <= 0:
            continue
        key = (q, -index, 0)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen
