"""The list of sources in the index with their dates and staleness (``ouderwijzer sources``, console)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from bot.compose import is_stale
from bot.service import Service


class SourceRow(BaseModel):
    """One document or answer unit in the index, with its dates (also the console API's response model)."""

    id: str
    kind: str
    title: str
    publisher: str
    published: str
    url: str
    review_by: str
    chunks: int
    stale: bool
    stale_reason: str
    sources: list[str]

    def as_dict(self) -> dict[str, object]:
        return self.model_dump()


def list_sources(service: Service, *, stale_only: bool = False, today: date | None = None) -> list[SourceRow]:
    """Every source in the active index, answer units last; ``stale_only`` keeps the outdated ones."""
    today = today or date.today()
    max_age = service.settings.freshness.max_age_years
    counts: dict[str, int] = {}
    first: dict[str, object] = {}
    for sc in service.retriever().chunks:
        counts[sc.meta.id] = counts.get(sc.meta.id, 0) + 1
        first.setdefault(sc.meta.id, sc.meta)
    rows = []
    for source_id, meta in first.items():
        m = meta  # SourceMeta
        stale = is_stale(m.published, m.review_by, today=today, max_age_years=max_age)  # type: ignore[attr-defined]
        reason = ""
        if stale:
            if m.review_by and m.review_by[:10] < today.isoformat():  # type: ignore[attr-defined]
                reason = f"review date {m.review_by} has passed"  # type: ignore[attr-defined]
            else:
                reason = f"published {m.published}, older than {max_age} years"  # type: ignore[attr-defined]
        rows.append(
            SourceRow(
                id=source_id,
                kind=m.kind,
                title=m.title,
                publisher=m.publisher,
                published=m.published,  # type: ignore[attr-defined]
                url=m.url,
                review_by=m.review_by,
                chunks=counts[source_id],
                stale=stale,
                stale_reason=reason,  # type: ignore[attr-defined]
                sources=list(m.sources),  # type: ignore[attr-defined]
            )
        )
    rows.sort(key=lambda r: (r.kind == "unit", r.id))
    return [r for r in rows if r.stale] if stale_only else rows
