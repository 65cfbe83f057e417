"""Components as the site reads them: unknown names, tags never closed or closed twice, attributes
quoted so that the site's renderer loses them. The converter calls these as it reads each tag."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .registry import Rules, TokenLint

if TYPE_CHECKING:
    from markdown_it.token import Token

    from ..parse.tags import Attr

RULES = Rules("components")

#: Components the site knows; any other capitalized name is kept as ``component`` with a warning.
KNOWN_COMPONENTS = frozenset(
    {
        "Quote",
        "External",
        "Button",
        "NextSteps",
        "RichLink",
        "Datagouv",
        "Grid",
        "Centered",
        "ContactUs",
        "FlatFile",
        "FlatFileWidget",
        "ApiSireneWidget",
        "ApiRnaWidget",
        "QuestionTree",
        "ButtonCopy",
        "IsFranceConnected",
    }
)

RULES.declare(
    "component-unknown",
    "warning",
    "a component name the site does not know",
    "`<Carousel />`",
    trigger="<Carousel />\n",
)
RULES.declare(
    "component-unclosed",
    "warning",
    "an opening tag never closed: read as self-closing",
    '`<External href="…">texte`',
    trigger='<External href="https://a.fr">texte\n',
)


def component(lint: TokenLint, meta: dict[str, Any], inline: bool) -> None:
    """A component tag read (``meta``: see parse/components.py): never closed, or not known."""
    name: str = meta["name"]
    if meta.get("unclosed"):
        lint.report(
            lint.where(meta["offset"], "<" + name),
            "component-unclosed",
            f"<{name}> is never closed (no </{name}>"
            + (" in this paragraph" if inline else "")
            + f"): read as <{name} />; the text after it is not its content",
        )
    if name not in KNOWN_COMPONENTS:
        lint.report(
            lint.where(meta["offset"], "<" + name),
            "component-unknown",
            f"<{name}> is not a known component; frontends may not render it",
        )


RULES.declare(
    "component-unexpected-close",
    "warning",
    "a closing tag without opening tag: kept as text",
    "`texte</Button>`",
    trigger="texte</Button>\n",
)


def stray_close(lint: TokenLint, token: Token) -> None:
    name = token.meta["name"]
    lint.report(
        lint.where(token.meta["offset"], token.content),
        "component-unexpected-close",
        f"</{name}> closes no open <{name}>: kept as text",
    )


RULES.declare(
    "tag-not-component",
    "info",
    "a capitalized tag that is not a valid component: kept as text",
    "`<Foo bar=>`",
    trigger="a <Foo bar=> b\n",
)


def invalid_tag(lint: TokenLint, token: Token) -> None:
    snippet = token.meta["snippet"]
    lint.report(
        lint.where(token.meta["offset"], snippet),
        "tag-not-component",
        f"{snippet[:40]} looks like a tag but is not a valid component: kept as text",
    )


RULES.declare(
    "attribute-unquoted",
    "warning",
    "`href=https://…` without quotes (the site's renderer loses it)",
    "`<Button href=/a>`",
    trigger="<Button href=/a>Go</Button>\n",
)
RULES.declare(
    "attribute-quote",
    "warning",
    "a quoted value contains its own quote character",
    "`<Quote who='l'équipe'>`",
    trigger="<Quote who='l'équipe'>\n\nTexte\n\n</Quote>\n",
)


def attribute(lint: TokenLint, attr: Attr, name: str) -> None:
    """An attribute of component ``name`` written so that the site's renderer loses it."""
    if attr.kind == "string-unbalanced":
        quote = '"' if "'" in attr.value else "'"
        lint.report(
            lint.where(attr.offset, attr.name + "="),
            "attribute-quote",
            f"the value of {attr.name} contains the quote that delimits it: read as "
            f"{attr.value!r}; write {attr.name}={quote}...{quote} (the site's current renderer "
            "cuts the value there)",
        )
    elif attr.kind == "unquoted":
        lint.report(
            lint.where(attr.offset, f"{attr.name}={attr.value}"),
            "attribute-unquoted",
            f"<{name} {attr.name}=...> is not quoted: kept as {attr.value!r}, but the site's "
            f'current renderer loses it; write {attr.name}="..."',
        )
