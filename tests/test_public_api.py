"""The public surface is pinned: adding or removing a name is a deliberate change."""

import inspect

import content_api


def test_all_is_pinned() -> None:
    assert sorted(content_api.__all__) == [
        "Catalog",
        "Diagnostic",
        "EditorRow",
        "Guide",
        "Library",
        "__version__",
        "load_library",
        "parse_guide",
        "render_html",
        "render_text",
    ]


def test_every_exported_name_exists() -> None:
    for name in content_api.__all__:
        assert getattr(content_api, name) is not None


def signature(function: object) -> str:
    return str(inspect.signature(function))  # type: ignore[arg-type]


#: The signatures users call, pinned: a parameter renamed, reordered, retyped or given another
#: default is a change of the public API, made on purpose (and in the CHANGELOG) or not at all.
SIGNATURES = {
    "parse_guide": (
        "(text: 'str | bytes', path: 'str | os.PathLike[str] | None' = None, *, max_nesting: 'int' = 32, "
        "max_constructs: 'int' = 22000, html: 'HtmlMode' = 'sanitize', "
        "iframe_hosts: 'Sequence[str]' = ('*.gouv.fr',)) -> 'm.Guide'"
    ),
    "load_library": (
        "(directory: 'str | os.PathLike[str]', *, max_file_size: 'int' = 1000000, "
        "previous: 'Library | None' = None, cache: 'Mapping[str, Parsed] | None' = None, "
        "lean: 'bool' = False, max_nesting: 'int' = 32, max_constructs: 'int' = 22000, "
        "site_url: 'str | None' = None, html: 'HtmlMode' = 'sanitize', "
        "iframe_hosts: 'tuple[str, ...] | list[str]' = ('*.gouv.fr',), "
        "assets_dir: 'str | os.PathLike[str] | AssetSizes | None' = None, "
        "git_dates: 'GitDates' = 'auto', git: 'GitTimes | None' = None, "
        "defer_pages: 'bool' = False) -> 'Library'"
    ),
    "render_html": "(node: 'm.Node', *, heading_ids: 'bool' = False) -> 'str'",
    "render_text": "(node: 'm.Node') -> 'str'",
    "Catalog.from_library": (
        "(library: 'Library', asset_base: 'str' = 'https://api.gouv.fr/images/guides/', "
        "search_store: 'ImageStore | None' = None) -> 'Catalog'"
    ),
    "Catalog.guides": (
        "(self, *, tag: 'str | Iterable[str] | None' = None, api: 'str | Iterable[str] | None' = None, "
        "publish: 'bool | None' = None, noindex: 'bool | None' = None, q: 'str | None' = None, "
        "sort: 'Sort | None' = None, page: 'int' = 1, per_page: 'int' = 20) -> 'GuidePage'"
    ),
    "Catalog.guide": "(self, slug: 'str') -> 'm.Guide | None'",
    "Catalog.editors": (
        "(self, *, api: 'str | Iterable[str] | None' = None, guide: 'str | Iterable[str] | None' = None, "
        "q: 'str | None' = None, page: 'int | None' = None, per_page: 'int | None' = None) -> 'EditorPage'"
    ),
    "Catalog.tags": "(self) -> 'list[m.TagFacet]'",
    "Catalog.apis": "(self) -> 'list[m.ApiFacet]'",
}


def test_signatures_are_pinned() -> None:
    for name, expected in SIGNATURES.items():
        owner, _, attribute = name.rpartition(".")
        function = getattr(getattr(content_api, owner) if owner else content_api, attribute)
        assert signature(function) == expected, name


def test_the_pages_are_typed() -> None:
    from content_api.catalog import EditorPage, GuidePage

    assert list(GuidePage.__struct_fields__) == ["items", "total", "page", "per_page", "pages", "warning"]
    assert list(EditorPage.__struct_fields__) == ["rows", "total", "page", "per_page", "pages"]
