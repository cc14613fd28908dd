"""What a resource's address says it is about, beyond its title.

Two parts of a URL name a subject outright, whatever the page's words: a package registry's
address names the package (`hackage.haskell.org/package/transformers-0.6.1.1/docs/...` is
about `transformers`, `pypi.org/project/httpx` about `httpx`), and a heading anchor names the
section the sharer pointed at (`docs.infrahub.app/topics/profiles#profile-priority`). The
topic extractor reads them like a page's keywords. Pure functions.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from publicsuffixlist import PublicSuffixList

from bot.titles import CODE_HOSTS
from bot.urls import is_public_page

__all__ = [
    "PLATFORMS",
    "address_subjects",
    "registry_package",
    "site_brand",
    "site_name",
    "site_title",
]

# Where members' uploads live (`houstondatavis.slack.com/files/...`, Discord's CDN).
_CHAT_PLATFORMS = frozenset({"slack", "slack-edge", "discord", "discordapp"})
# Where communities keep their code and where they talk: everyone in a community uses them,
# so they tell nobody apart ("You both care about github" introduces anyone to anyone).
PLATFORMS = frozenset(
    {host.split(".", 1)[0] for host in CODE_HOSTS} | {"slack", "discord", "zulip", "discourse"}
)
# host -> the path segment before the package's name (None: the first segment is the name)
_REGISTRIES: dict[str, str | None] = {
    "pypi.org": "project",
    "npmjs.com": "package",
    "hackage.haskell.org": "package",
    "stackage.org": "package",
    "crates.io": "crates",
    "docs.rs": None,
    "lib.rs": "crates",
    "rubygems.org": "gems",
    "juliahub.com": "Packages",
    "juliapackages.com": "p",
    "cran.r-project.org": "packages",
    "packagist.org": "packages",
    "nuget.org": "packages",
    "hex.pm": "packages",
    "metacpan.org": "pod",
}
# `transformers-0.6.1.1`, `base-4.17.0.0`: Hackage and Stackage put the version in the name.
_VERSION_SUFFIX = re.compile(r"-v?\d+(?:\.\d+)*$")
# A heading anchor is words joined by hyphens or underscores (`profile-priority`), not an id
# (`L42`, `issuecomment-123`, `ref1`, a hash) nor a single word like `top` or `usage`.
_HEADING = re.compile(r"^[^\W\d_]{2,}(?:[-_][^\W\d_]{2,}){1,4}$")
_NOT_HEADINGS = frozenset({"table-of-contents", "main-content", "page-top", "back-to-top"})


def address_subjects(url: str) -> tuple[str, ...]:
    """The package a registry URL is about and the heading its anchor points to, as words
    (`("transformers",)`, `("profile priority",)`); empty for any other URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ()
    found: list[str] = []
    package = _package(parts.hostname or "", parts.path, parts.query)
    if package:
        found.append(package)
    fragment = unquote(parts.fragment).strip().casefold()
    if _HEADING.match(fragment) and fragment not in _NOT_HEADINGS:
        found.append(re.sub(r"[-_]+", " ", fragment))
    return tuple(found)


def registry_package(url: str) -> str | None:
    """The package a registry URL is about (`random` for hackage.haskell.org/package/random),
    else None: a name by construction, even when it is an everyday word."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return _package(parts.hostname or "", parts.path, parts.query)


def _package(host: str, path: str, query: str) -> str | None:
    host = host.casefold().removeprefix("www.")
    if host not in _REGISTRIES:
        return None
    if host == "cran.r-project.org" and "package" in (qs := parse_qs(query)):
        return qs["package"][0] or None  # cran's `web/packages/X` and `?package=X`
    segments = [unquote(s) for s in path.split("/") if s]
    marker = _REGISTRIES[host]
    if marker is None:
        name = segments[0] if segments else None
    else:
        at = next((i for i, s in enumerate(segments) if s == marker), None)
        name = segments[at + 1] if at is not None and at + 1 < len(segments) else None
        if name and name.startswith("@") and at is not None and at + 2 < len(segments):
            name = f"{name}/{segments[at + 2]}"  # npm's scoped packages: @types/node
    if not name:
        return None
    return _VERSION_SUFFIX.sub("", name) or None


@lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list ships in the package: nothing is fetched


def site_brand(url: str) -> str | None:
    """The name a site goes by, from its registrable domain (`public.tableau.com` ->
    `tableau`, `nbviewer.jupyter.org` -> `jupyter`, `dc-js.github.io` -> `dc-js`): a stand-in
    for the page's site name when nothing was fetched. None for addresses and bare hosts."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return _brand(host or "")


def site_name(url: str) -> str | None:
    """What a site calls itself, from its host: the registrable name (`www.desmos.com` ->
    `desmos`), or the first name before it that is not filler (`catalyst.cs.cmu.edu` ->
    `catalyst`, a site of its own at CMU). None where `site_brand` has none."""
    try:
        host = (urlsplit(url).hostname or "").strip(".").casefold()
    except ValueError:
        return None
    brand = _brand(host)
    if brand is None or not is_public_page(url):
        return None  # `example.org` in a pasted config names no site
    registrable = _suffixes().privatesuffix(host) or host
    below = host[: -len(registrable)].strip(".").split(".") if host != registrable else []
    named = [label for label in below if label and label not in _SITE_FILLER]
    return named[0] if named and not named[0].isdigit() else brand


def site_title(url: str) -> str | None:
    """A site's front page as a title may call it: its name, after the site it is a service
    of when that name is an everyday word (`status.julialang.org` -> `julialang status`, had
    been "Status"; `infrahub.opsmill.io` stays `infrahub`)."""
    from bot.interests.terms import specificity

    name = site_name(url)
    brand = site_brand(url)
    if name and brand and name != brand and specificity(name.replace("-", " ")) < 1.0:
        return f"{brand} {name}"
    return name


# Host names that name a service of a site, not a site (`www`, `blog`, `docs`, `en`).
_SITE_FILLER = frozenset("www www2 m en blog blogs docs doc app web home wiki news mail".split())


@lru_cache(maxsize=50_000)
def _brand(host: str) -> str | None:
    host = host.strip(".").casefold()
    if not host or "." not in host or host.replace(".", "").isdigit() or ":" in host:
        return None
    registrable = _suffixes().privatesuffix(host)
    if not registrable:
        return None
    brand = registrable.split(".", 1)[0]
    if registrable in CODE_HOSTS or brand in _CHAT_PLATFORMS:
        return None  # a repository or a file posted in the chat: the host says nothing
    return brand if len(brand) >= 2 and not brand.isdigit() else None
