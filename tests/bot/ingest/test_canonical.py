from __future__ import annotations

import pytest

from bot.ingest.canonical import canonical_url, is_web_url, shown_url
from summarizer.errors import FetchError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # tracking parameters, fragments, default ports and letter case do not make a new article
        (
            "HTTPS://News.Example.COM:443/world/story?utm_source=x&utm_medium=rss&id=7#comments",
            "https://news.example.com/world/story?id=7",
        ),
        ("http://news.example:80/a?fbclid=abc&gclid=def&mc_cid=1&mc_eid=2", "http://news.example/a"),
        ("https://news.example/a?b=2&a=1&_hsenc=x&igshid=y", "https://news.example/a?a=1&b=2"),
        ("https://news.example", "https://news.example/"),
        ("https://news.example:8443/a", "https://news.example:8443/a"),
        ("https://news.example/%7euser/a%2fb", "https://news.example/~user/a%2Fb"),
        ("https://news.example./a", "https://news.example/a"),
        ("https://bücher.example/ä", "https://xn--bcher-kva.example/%C3%A4"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_the_same_story_by_different_links_has_one_canonical_url() -> None:
    links = [
        "https://news.example/2025/03/flood-gates",
        "https://NEWS.example/2025/03/flood-gates#top",
        "https://news.example:443/2025/03/flood-gates?utm_campaign=spring&utm_content=feed",
        "https://news.example/2025/03/flood-gates?fbclid=IwAR0xyz",
    ]
    assert len({canonical_url(u) for u in links}) == 1


def test_meaningful_query_parameters_are_kept() -> None:
    assert canonical_url("https://news.example/article?id=1") != canonical_url(
        "https://news.example/article?id=2"
    )


@pytest.mark.parametrize(
    "raw",
    ["file:///etc/passwd", "ftp://news.example/a", "javascript:alert(1)", "news.example/a", "http://", ""],
)
def test_non_web_urls_are_refused_politely(raw: str) -> None:
    with pytest.raises(FetchError) as caught:
        canonical_url(raw)
    assert "\n" not in str(caught.value)


def test_is_web_url_and_shown_url() -> None:
    assert is_web_url("https://news.example/a")
    assert not is_web_url("article.txt")
    assert not is_web_url("https://")
    assert shown_url("https://user:secret@news.example/a") == "https://news.example/a"
    assert len(shown_url("https://news.example/" + "a" * 500)) == 200
