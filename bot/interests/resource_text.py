"""What a resource's stored document reads as: the text its topics are extracted from
(`resource_text`: the title without its site's name, the code host's owner or a word an embed
cut short) and the titles worked out for it when nothing better named it.

Pure functions; `bot.interests.pipeline` calls them for each batch of resources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot.interests.addresses import address_subjects, registry_package, site_brand, site_name
from bot.interests.terms import has_cjk, is_subject_word, japanese_terms, specificity
from bot.interests.topics import ResourceText, normalize_topic
from bot.interests.words import singularize
from bot.titles import (
    TitleSource,
    code_owner,
    is_person_page,
    post_author,
    screenshot_title,
    search_terms,
    site_suffix,
    uncut,
)
from bot.urls import extract_urls
from bot.wordsplit import split_run_on
from storage.interests import ResourceDoc

__all__ = [
    "is_weak_label",
    "names_a_subject",
    "resource_text",
    "screenshot_fallback",
    "titled_by_site",
    "without_owner",
]


def screenshot_fallback(url: str) -> tuple[str, TitleSource] | None:
    """A screenshot nobody named, titled by its day (`bot.titles.screenshot_title`): the
    last resort after `fallback_title`, as weak as a sentence."""
    shot = screenshot_title(url)
    return (shot, TitleSource.SENTENCE) if shot else None


def names_a_subject(topics: Sequence[tuple[str, float]]) -> bool:
    """Does any of these topics say more than everyday language (`schema`, `proposed change`,
    not `dial`, `click`)?"""
    return any(specificity(topic) >= 1.0 for topic, _ in topics)


def resource_text(doc: ResourceDoc) -> ResourceText:
    title, site = site_suffix(doc.title, doc.url) if doc.title else (doc.title, None)
    searched = search_terms(doc.shared_url or doc.url)
    if title and searched and title.casefold().endswith(f": {searched.casefold()}"):
        # "Hoogle search: StateT" is our wording (`fallback_title`): the link is about StateT;
        # searching with Hoogle says nothing of what the member cares about.
        title = searched
    person = is_person_page(doc.shared_url or doc.url)
    if person:
        # A person's page is named for them ("Richard cook", "Shuklanx"), and its site says
        # where people keep profiles: two newcomers sharing their own LinkedIn pages had been
        # introduced as "You both shared about linkedin".
        title = None
    return ResourceText(
        title=without_owner(uncut(title), doc.url) if title else title,
        description=doc.description,
        keywords=(*doc.keywords, *_address_subjects(doc)),
        site_name=None if person else doc.site_name or site,
        site_brand=None if person else site_brand(doc.url),
        messages=doc.messages,
        channel_name=doc.channel_name,
        names=tuple(
            name for name in (registry_package(doc.shared_url or doc.url),) if name is not None
        ),
        front_page=None if person else front_page_site(doc.shared_url or doc.url),
        author=_author(doc.shared_url or doc.url),
    )


def _author(url: str) -> str | None:
    """The account a post is by, as its topic reads: its words where each of them is one
    (`Nick Szabo`), else the handle whole (`spacex`, not the `space` of `Space X`; `etoro`,
    not `toro`; `thebestdogs`, not `dog`)."""
    words = post_author(url)
    if words is None or len(words) < 3:
        return None  # `@de`, `@EA`: letters that read as words of everything
    read = normalize_topic(words)
    if read is not None and len(read.split()) == len(words.split()):
        return words
    return "".join(words.split()).casefold()


def front_page_site(url: str) -> str | None:
    """The site's coined name, as a topic, when the address is its home page (no path, query
    or fragment: `https://gephi.github.io/` -> `gephi`, `pixijs.com` -> `pixijs`, not the
    singular `pixij`). Not an everyday word (`status`, `fonts` name a part of some site) nor
    everyday words run together (`eloquentjavascript`: its title's words say them already)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    name = (site_name(url) or "").casefold().replace("-", " ")
    words = name.split()
    if not words or not all(
        is_subject_word(w) and specificity(singularize(w)) >= 1.0 for w in words
    ):
        return None
    return name if len(words) > 1 or split_run_on(name) is None else None


def titled_by_site(
    found: tuple[str, TitleSource] | None, url: str
) -> tuple[str, TitleSource] | None:
    """A URL's last word that is an everyday word (`/trial`, `/welcome`, `/basics`) names the
    page only on its site: "Trial | Data nitro", whose site part topics read as the site's
    (`resource_text` splits it off with `site_suffix`)."""
    if found is None or found[1] != TitleSource.SLUG or " " in found[0].strip():
        return found
    site = site_name(url)
    word = found[0].strip()
    if site is None or specificity(word.casefold()) >= 1.0 or site.casefold() == word.casefold():
        return found
    name = split_run_on(site) or site
    return f"{word} | {name[:1].upper()}{name[1:]}", found[1]


def _host_words(url: str) -> set[str]:
    """The words of a URL's host (`github`, `com` of `https://github.com/…`)."""
    host = url.split("://", 1)[-1].split("/", 1)[0].casefold()
    return set(host.split("."))


def is_weak_label(label: str, url: str = "") -> bool:
    """A link's label that says how a sentence refers to the link, not what it is: one
    everyday word (`code`, `issue`, `check`, `関数` function, `前回` last time), a Japanese
    pointer (`このへん` around here, `こちらのドキュメント` this document), the site's name
    (`GitHub` on a repository), or no word at all (`[1]`)."""
    text = label.strip()
    if not any(ch.isalpha() for ch in text):
        return True
    if url and text.casefold() in _host_words(url):
        return True
    if has_cjk(text):
        terms = japanese_terms(text)
        return len(terms) <= 1 and all(specificity(t) < 1.0 for t in terms)
    words = text.casefold().split()
    return len(words) == 1 and specificity(singularize(words[0].strip(".,:;!?()[]"))) < 1.0


def _address_subjects(doc: ResourceDoc) -> tuple[str, ...]:
    """What the page's addresses say (`addresses.address_subjects`), from the URL as first
    shared and from every link to it in its messages: each share may point at another section
    of one page (`…/profiles#profile-priority`), while the canonical URL drops anchors."""
    found = list(address_subjects(doc.shared_url or doc.url))
    for text in doc.messages:
        if "#" in text:
            for link in extract_urls(text):
                if link.canonical == doc.url and "#" in link.original:
                    found.extend(address_subjects(link.original))
    return tuple(dict.fromkeys(found))


# A pull request's title opens with an imperative ("Fix payload for …") and a code host's page
# ends with its author ("… by BeArchiTek"): what kind of change, and who, not what about.
_PR_VERB = re.compile(
    r"^\s*(?:fix(?:es|ed)?|add(?:s|ed)?|update[sd]?|remove[sd]?|improve[sd]?|allow(?:s|ed)?"
    r"|support(?:s|ed)?|bump(?:s|ed)?|use[sd]?|make[s]?|move[sd]?|rename[sd]?|refactor(?:s|ed)?"
    r"|implement(?:s|ed)?|enable[sd]?|disable[sd]?|handle[sd]?|ensure[sd]?)\s+",
    re.IGNORECASE,
)
_PR_AUTHOR = re.compile(r"\s+by\s+@?[\w-]+(?:\.\.\.|…)?\s*$")
_CODE_REFERENCE = re.compile(r"(?<=\w)(?:[#!]\d+|@[0-9a-f]{7,40})$")


def without_owner(title: str | None, url: str) -> str | None:
    """`JuliaGPU/CUDA.jl` -> `CUDA.jl` for a code host's repository: the owner is an
    account name, not what the repository is about. A repository name alone is a slug, read
    as words (`Applied-Predictive-Modeling-with-Python` -> `Applied Predictive Modeling with
    Python`), which keyphrase extraction otherwise takes for one long token."""
    owner = code_owner(url)
    if not title or owner is None:
        return title
    if "/pull/" in url or "/merge_requests/" in url:
        title = _PR_AUTHOR.sub("", _PR_VERB.sub("", title))
    name = re.sub(rf"(?i)(?<![\w.-]){re.escape(owner)}/", "", title)
    name = _CODE_REFERENCE.sub("", name)  # `julia#33526`: the number names no subject
    return re.sub(r"[-_]+", " ", name) if " " not in name.strip() else name
