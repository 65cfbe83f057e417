"""The public surface is pinned: adding or removing a name is a deliberate change."""

import content_api


def test_all_is_pinned() -> None:
    assert sorted(content_api.__all__) == [
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
