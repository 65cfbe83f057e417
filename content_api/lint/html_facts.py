"""What the rules need to know of a piece of raw HTML: ids, images without ``alt``, tables and
their header cells, links that open a new window. Read with the standard library's HTMLParser."""

from __future__ import annotations

from html.parser import HTMLParser


class HtmlFacts(HTMLParser):
    """What the rules need from a piece of raw HTML (see :func:`html_facts`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.images_without_alt: list[str] = []
        self.tables = 0
        self.header_cells = 0
        self.blank_links: list[dict[str, str]] = []
        self._link: dict[str, str] | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for key in ("id", "name"):
            if values.get(key) and (key == "id" or tag == "a"):
                self.ids.append(values[key])
        if tag == "img" and "alt" not in values:
            self.images_without_alt.append(values.get("src", ""))
        elif tag == "table":
            self.tables += 1
        elif tag == "th":
            self.header_cells += 1
        elif tag == "a" and values.get("target", "").lower() == "_blank":
            self._link, self._link_text = values, []

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self._link["text"] = "".join(self._link_text)
            self.blank_links.append(self._link)
            self._link = None

    def end(self) -> None:
        """An ``<a target=_blank>`` not closed in this piece: its text so far is all it says."""
        if self._link is not None:
            self.handle_endtag("a")


def html_facts(value: str) -> HtmlFacts:
    facts = HtmlFacts()
    try:
        facts.feed(value)
        facts.close()
    except (AssertionError, ValueError):  # HTMLParser on hopeless input: keep what was seen
        pass
    facts.end()
    return facts
