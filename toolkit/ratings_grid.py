"""The ratings picture: each section's rating over the last five review periods.

Drawn as an SVG grid with the rating in words in every cell (colour is never the only
signal), for the annual-review PDF and the dashboard, with a table beside it for screen
readers. ``ratings_grid`` reads it in two queries whatever the size of the data: the
periods, then the ratings of their assessments (sections matched by number across toolkit
editions, as the rating history does).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from django.template.loader import render_to_string

from .models import Rating, ReviewPeriod, SectionAssessment

PERIODS = 5

# Fill, text and border colours of each rating (GOV.UK tag colours: dark text on a light
# fill, contrast at least 7:1), and the words written in the cell.
CELL_COLOURS: dict[str, tuple[str, str, str]] = {
    Rating.EXCEEDING: ("#bfe3e0", "#10403c", "#10403c"),
    Rating.MET: ("#cce2d8", "#005a30", "#005a30"),
    Rating.PARTLY_MET: ("#fff7bf", "#594d00", "#594d00"),
    Rating.NOT_MET: ("#f4cdc6", "#942514", "#942514"),
    Rating.NOT_APPLICABLE: ("#e5e6e7", "#383f43", "#383f43"),
    Rating.NOT_ASSESSED: ("#ffffff", "#383f43", "#505a5f"),
}
NO_RECORD = ("#ffffff", "#505a5f", "#b1b4b6")

# Geometry of the drawing, in SVG user units (the viewBox scales it to the page).
LABEL_WIDTH = 230
CELL_WIDTH = 96
ROW_HEIGHT = 30
HEADER_HEIGHT = 30
GAP = 3


@dataclass(frozen=True)
class Cell:
    rating: str  # the Rating value, or "" when the section has no record in that period
    label: str  # in words: "Partly met", "No record"
    fill: str
    text: str
    stroke: str
    x: int
    text_x: int
    width: int = CELL_WIDTH


@dataclass(frozen=True)
class GridRow:
    number: int
    title: str
    short_title: str
    cells: list[Cell]
    y: int
    text_y: int
    height: int = ROW_HEIGHT


@dataclass(frozen=True)
class ColumnHead:
    label: str
    x: int


@dataclass
class RatingsGrid:
    periods: list[str] = field(default_factory=list)  # labels, oldest first
    columns: list[ColumnHead] = field(default_factory=list)
    rows: list[GridRow] = field(default_factory=list)
    width: int = 0
    height: int = 0
    summary: str = ""  # one sentence for the SVG's description

    def __bool__(self) -> bool:
        return bool(self.rows and self.periods)


def _short(title: str, limit: int = 34) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def ratings_grid(period: ReviewPeriod | None, *, limit: int = PERIODS) -> RatingsGrid:
    """The sections of ``period``'s edition and their ratings in it and the periods before
    it (at most ``limit`` in all, oldest first). Two queries."""
    if period is None:
        return RatingsGrid()
    periods = list(
        ReviewPeriod.objects.filter(start_date__lte=period.start_date)
        .order_by("-start_date")
        .values_list("pk", "label")[:limit]
    )[::-1]
    found = SectionAssessment.objects.filter(period_id__in=[pk for pk, _ in periods]).values_list(
        "period_id", "section__number", "section__title", "section__edition_id", "rating"
    )
    ratings: dict[tuple[int, int], str] = {}
    titles: dict[int, str] = {}
    for period_id, number, title, edition_id, rating in found:
        ratings[(period_id, number)] = rating
        if period_id == period.pk or edition_id == period.edition_id:
            titles[number] = title
    return _grid(periods, ratings, titles)


def _grid(
    periods: list[tuple[int, str]], ratings: dict[tuple[int, int], str], titles: dict[int, str]
) -> RatingsGrid:
    columns = [
        ColumnHead(label, LABEL_WIDTH + i * (CELL_WIDTH + GAP) + CELL_WIDTH // 2)
        for i, (_pk, label) in enumerate(periods)
    ]
    rows = []
    for r, number in enumerate(sorted(titles)):
        y = HEADER_HEIGHT + r * (ROW_HEIGHT + GAP)
        cells = []
        for i, (pk, _label) in enumerate(periods):
            rating = ratings.get((pk, number), "")
            fill, text, stroke = CELL_COLOURS.get(rating, NO_RECORD)
            x = LABEL_WIDTH + i * (CELL_WIDTH + GAP)
            cells.append(
                Cell(
                    rating=rating,
                    label=Rating(rating).label if rating else "No record",
                    fill=fill,
                    text=text,
                    stroke=stroke,
                    x=x,
                    text_x=x + CELL_WIDTH // 2,
                )
            )
        title = titles[number]
        rows.append(GridRow(number, title, _short(title), cells, y, y + ROW_HEIGHT // 2 + 4))
    width = LABEL_WIDTH + len(periods) * (CELL_WIDTH + GAP)
    height = HEADER_HEIGHT + len(rows) * (ROW_HEIGHT + GAP)
    labels = [label for _pk, label in periods]
    summary = (
        f"A grid of {len(rows)} sections by {len(labels)} review periods"
        + (f", {labels[0]} to {labels[-1]}" if labels else "")
        + ", with each section's rating written in its cell."
    )
    return RatingsGrid(labels, columns, rows, width, height, summary)


def svg(grid: RatingsGrid, *, id_prefix: str = "ratings-grid") -> str:
    """The grid drawn as an SVG element (for the dashboard, inline)."""
    return render_to_string(
        "toolkit/partials/ratings_grid_svg.html", {"grid": grid, "id_prefix": id_prefix}
    )


def svg_data_uri(grid: RatingsGrid) -> str:
    """The grid as a ``data:`` URI, for an <img> with alternative text in the PDF (tagged
    as a figure with its Alt text; the PDF's fetcher serves data: URIs only)."""
    document = '<?xml version="1.0" encoding="UTF-8"?>' + svg(grid, id_prefix="grid")
    return "data:image/svg+xml;base64," + base64.b64encode(document.encode()).decode()
