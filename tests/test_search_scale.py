"""Search flat in corpus size (issue 17, point 3): a search's kept result (``catalog/ranked.py``)
answers exactly what FTS5 answered before it was kept.

The oracle is the code before: FTS5's ``ORDER BY rank`` over every match, then the filters, the
sort and the page. Guides are made so that some words are in most of them, with varied counts,
titles and taglines (so bm25 orders them and ties, broken by rowid, abound).
"""

from __future__ import annotations

import gc
import random
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content_api import Catalog, load_library
from content_api.catalog.query import GuideQuery
from content_api.catalog.ranked import TOP, Ranked, RankedCache
from content_api.catalog.search import SearchIndex, SearchStopped, fts_queries
from content_api.catalog.warmup import _warm, warm, warm_later

COMMON = ["commun", "frequent", "habituel", "courant"]
RARE = ["rarissime", "unique", "exceptionnel"]
TAGS = ["aides", "ecole", "sante", "emploi"]
APIS = ["API Alpha", "API Beta", "API Gamma"]
GUIDES = 640
QUERIES = [
    "commun", "frequent", "habituel", "courant", "comm", "co", "rarissime", "commun frequent",
    "courant unique", '"commun frequent"', "commun OR rarissime", "frequent NOT habituel", "title:commun",
    "habit*", "zzz", "commun AND", '"unbalanced',
]  # fmt: skip
FILTERS: list[dict[str, str]] = [
    {},
    {"tag": "aides"},
    {"api": "API Beta"},
    {"tag": "sante", "api": "API Alpha"},
]


def guide_text(rnd: random.Random, n: int) -> str:
    """Front matter and a body where each common word is present with some chance, a few times."""
    title = " ".join(rnd.choice([*COMMON, "guide", "page"]) for _ in range(rnd.randint(1, 3)))
    tagline = " ".join(rnd.choice([*COMMON, "texte"]) for _ in range(rnd.randint(0, 3)))
    words = [w for w in COMMON if rnd.random() < 0.85] * rnd.randint(1, 3)
    words += [rnd.choice(RARE)] if rnd.random() < 0.05 else []
    words += ["filler"] * rnd.randint(0, 40) + [f"w{rnd.randrange(50)}" for _ in range(rnd.randint(0, 20))]
    rnd.shuffle(words)
    tags = ", ".join(rnd.sample(TAGS, rnd.randint(1, 2)))
    apis = ", ".join(rnd.sample(APIS, rnd.randint(1, 2)))
    front = f"title: {title} {n}\ntagline: {tagline or 'rien'}\ntags: [{tags}]\napi: [{apis}]\n"
    return f"---\n{front}---\n\n{' '.join(words)}\n"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    folder = tmp_path_factory.mktemp("common-words")
    rnd = random.Random(17)
    for n in range(GUIDES):
        (folder / f"g{n:04d}.md").write_text(guide_text(rnd, n), encoding="utf-8")
    built = Catalog.from_library(load_library(folder))
    built.wait()
    yield built
    built.search.close()


def before(catalog: Catalog, query: GuideQuery, ranked: list[int]) -> tuple[int, list[int]]:
    """(total, page) as the code before the kept results computed them from FTS5's ``ranked``
    (every match of the query, best first)."""
    selected = catalog.members(query)
    hits = [i for i in ranked if selected is None or i in selected]
    start, stop = (query.page - 1) * query.per_page, query.page * query.per_page
    if query.sort is None:
        return len(hits), hits[start:stop]
    return len(hits), catalog._page(frozenset(hits), query.sort, start, stop)


def check_all(catalog: Catalog, sorts: tuple[str | None, ...], pages: tuple[int, ...], per_page: int) -> int:
    checked = 0
    for q in QUERIES:
        ranked = catalog.search.ranked(q)
        for filters in FILTERS:
            for sort in sorts:
                for page in pages:
                    query = GuideQuery.of(q=q, page=page, per_page=per_page, sort=sort, **filters)
                    found = catalog.select(query)
                    now = (found.total, found.positions)
                    assert now == before(catalog, query, ranked), (q, filters, sort, page)
                    checked += 1
    return checked


def test_the_common_words_are_in_most_guides_and_warmed(catalog: Catalog) -> None:
    search = catalog.search
    for word in COMMON:
        assert len(search.ranked(word)) > GUIDES * 0.6
        # (the catalog's own warm-up, in the background, may have ranked it already)
        assert word in search.frequent(least=GUIDES // 2) or word in search._warm
    assert warm(search, words=COMMON) == len(COMMON)
    assert all(word in search._warm for word in COMMON)
    assert warm(search, words=["co", "cour"]) == 2
    assert search._warm["co"].terms == ("commun", "courant")  # "co"* is "commun" OR "courant"
    for q, order in (("co", "slug"), ("co", "-slug"), ("cour", "slug")):
        every = sorted(search.ranked(q), reverse=order.startswith("-"))
        assert search.page(q, 3, 20, order=order) == (len(every), every[3:23])


def test_first_pages_and_totals_are_fts5s(catalog: Catalog) -> None:
    """Pages 1 and 3, filters, sorts, each query computed then kept (the second pass)."""
    for _ in range(2):
        assert check_all(catalog, (None, "-slug", "-updated"), (1, 3), 20) == 408


def test_pages_past_the_kept_best_ask_fts5(catalog: Catalog) -> None:
    """per_page 100: pages 3 to 5 straddle and pass the kept TOP (300)."""
    assert TOP == 300
    assert check_all(catalog, (None, "slug"), (3, 4, 7), 100) == 408


def test_a_dropped_result_is_computed_again_alike(catalog: Catalog) -> None:
    search = catalog.search
    query = GuideQuery.of(q="commun", page=2, per_page=10, tag="aides")
    kept = catalog.select(query)
    search._found = RankedCache()
    assert catalog.select(query) == kept == catalog.select(query)


def test_the_known_ranking_of_a_small_corpus(tmp_path: Path) -> None:
    """Title (10) before tagline (5) before body (1); equal scores in rowid (slug) order."""
    texts = {
        "a-body": "---\ntitle: A\n---\n\nmot autre\n",
        "b-title": "---\ntitle: mot\n---\n\nautre\n",
        "c-tagline": "---\ntitle: C\ntagline: mot\n---\n\nautre\n",
        "d-body": "---\ntitle: D\n---\n\nmot autre\n",
        "e-none": "---\ntitle: E\n---\n\nautre\n",
    }
    for slug, text in texts.items():
        (tmp_path / f"{slug}.md").write_text(text, encoding="utf-8")
    catalog = Catalog.from_library(load_library(tmp_path))
    found = catalog.guides(q="mot")
    assert [item.slug for item in found.items] == ["b-title", "c-tagline", "a-body", "d-body"]
    assert found.total == 4
    assert [item.slug for item in catalog.guides(q="mot", sort="slug", per_page=2, page=2).items] == [
        "c-tagline",
        "d-body",
    ]
    catalog.search.close()


def test_warm_ranks_the_frequent_words_and_stops_when_closed() -> None:
    rnd = random.Random(3)
    documents = [(n, f"t{n}", "", " ".join(rnd.sample(COMMON, 3))) for n in range(40)]
    index = SearchIndex(documents)
    frequent = index.frequent(least=20)
    assert set(frequent) <= set(COMMON) and len(frequent) >= 3
    assert warm(index) == 0  # nothing is held by WARM_MATCHES (500) guides
    assert warm(index, words=frequent) == len(frequent)
    assert set(index._warm) == set(frequent) and len(index._found) == 0
    for word in frequent:
        expected = [row[0] for row in index._db.execute(index._ranked, (fts_queries(word)[-1],))]
        assert list(index.matches(word).top) == expected
        assert sorted(index.matches(word, every=True)) == sorted(expected)
        assert index._warm[word].bits is None  # the warm-up's results keep no bitmap
        assert index._warm[word].terms == (word,)  # (no other term starts with it)
        assert index.page(word, 1, 5, order="-slug") == (len(expected), sorted(expected)[::-1][1:6])
    index.close()
    assert warm(index, words=["commun"]) == 0  # closed: stops, does not fail


def test_the_warm_up_gives_the_connection_up_to_a_search() -> None:
    documents = [(n, f"t{n}", "", " ".join(COMMON * (1 + n % 7))) for n in range(300)]
    index = SearchIndex(documents)
    index._waiting = 1  # a search waits: the warm-up's statements stop at once, and say so
    with pytest.raises(SearchStopped):
        index.matches("commun", time.monotonic() + 5, warm=True)
    with pytest.raises(SearchStopped):
        index.frequent(10)
    assert "commun" not in index._warm
    index._waiting = 0
    assert index.matches("commun", time.monotonic() + 5, warm=True).total == 300
    assert index.frequent(10) == [w for w in sorted(COMMON) if w != "commun"]
    # both at once, for real: each answers, and alike
    words = [f"{a} {b}" for a in COMMON for b in COMMON if a != b]
    expected = {q: [row[0] for row in index._db.execute(index._page, (q, 10, 0))] for q in words}
    warming = threading.Thread(target=warm, args=(index,), kwargs={"words": words})
    warming.start()
    for q in words:
        assert index.page(q, 0, 10) == (300, expected[q])
    warming.join(timeout=30)
    assert not warming.is_alive() and len(index._warm) == len(words) + 1
    index.close()


def test_a_dropped_index_is_not_kept_alive_by_its_warm_up() -> None:
    index = SearchIndex([(n, f"t{n}", "", " ".join(COMMON)) for n in range(50)])
    ref = weakref.ref(index)
    thread = warm_later(index)
    del index
    thread.join(timeout=10)
    gc.collect()
    assert ref() is None and not thread.is_alive()
    assert _warm(ref, 5.0, ["commun"]) == 0  # its index gone, the warm-up stops at once


@settings(max_examples=60, deadline=None)
@given(
    matches=st.lists(st.integers(0, 199), unique=True, max_size=80),
    selected=st.none() | st.frozensets(st.integers(0, 199), max_size=120),
    start=st.integers(0, 90),
    count=st.integers(1, 30),
    kept=st.integers(0, 80),
)
def test_ranked_is_the_ordered_matches(
    matches: list[int], selected: frozenset[int] | None, start: int, count: int, kept: int
) -> None:
    bits: dict[int, int] = {}
    for i in matches:
        bits[i >> 3] = bits.get(i >> 3, 0) | 1 << (i & 7)
    found = Ranked(matches[:kept], len(matches))
    with pytest.raises(LookupError):
        0 in found  # noqa: B015 (the matches are not kept yet)
    found.set_matches(bits.items(), 200)
    assert len(found) == len(matches) and sorted(found) == sorted(matches)
    assert all((i in found) == (i in matches) for i in range(-1, 202))
    within = [i for i in matches if selected is None or i in selected]
    assert sorted(found.among(selected)) == sorted(within)
    page = found.best(selected, start, count)
    if kept >= len(matches):
        assert page == within[start : start + count]
    else:
        assert page is None or page == within[start : start + count]
