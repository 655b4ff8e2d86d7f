"""Feed documents to items: pure parsing, on bytes only."""

from __future__ import annotations

import gzip
import json

import pytest

from bot.ingest.feeds import FeedError, backoff_until, html_to_text, item_article, parse_feed
from tests.fakes.web import rss, story

BASE = "https://courier.example/feeds/main.xml"

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Harbour Notes</title>
  <entry>
    <id>tag:courier.example,2025:ferry</id>
    <title type="html">Ferry trial &lt;em&gt;approved&lt;/em&gt;</title>
    <link rel="alternate" href="/2025/ferry-trial?utm_source=atom"/>
    <updated>2025-03-04T09:30:00Z</updated>
    <author><name>Odile Marchetti</name></author>
    <summary>The harbour board approved a night ferry trial.</summary>
    <content type="html">&lt;p&gt;The harbour board approved a night ferry trial.&lt;/p&gt;
      &lt;p&gt;Crossings start in May.&lt;/p&gt;&lt;script&gt;track()&lt;/script&gt;</content>
  </entry>
</feed>"""


def test_rss_items_with_full_text_dates_and_links() -> None:
    stories = [story(1), story(2)]
    parsed = parse_feed(
        rss(stories, link="https://courier.example/news/{slug}", full_text=True).encode(), BASE
    )
    assert parsed.title == "The Valley Courier"
    assert parsed.problem is None
    first = parsed.items[0]
    assert first.title == stories[0].title
    assert first.link == "https://courier.example/news/story-1"
    assert first.guid == "story-1"
    assert first.published == stories[0].published.isoformat()
    assert first.summary == stories[0].summary
    assert first.content == stories[0].text  # paragraphs kept apart
    assert first.fallback_text == first.content


def test_atom_entry_relative_link_html_title_and_author() -> None:
    (item,) = parse_feed(ATOM.encode(), BASE, "application/atom+xml").items
    assert item.title == "Ferry trial approved"
    assert item.link == "https://courier.example/2025/ferry-trial?utm_source=atom"
    assert item.author == "Odile Marchetti"
    assert item.published == "2025-03-04T09:30:00+00:00"
    assert item.content == "The harbour board approved a night ferry trial.\n\nCrossings start in May."
    assert "track" not in item.content


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Valley Wire",
        "items": [
            {
                "id": "w1",
                "url": "https://wire.example/w1",
                "title": "Library hours extended",
                "content_html": "<p>The library now opens until ten.</p>",
                "date_published": "2025-03-01T10:00:00Z",
                "authors": [{"name": "Greta Sorensen"}],
            },
            "not an item",
        ],
    }
    parsed = parse_feed(json.dumps(doc).encode(), BASE)
    assert parsed.title == "Valley Wire"
    (item,) = parsed.items
    assert (item.guid, item.link, item.author) == ("w1", "https://wire.example/w1", "Greta Sorensen")
    assert item.content == "The library now opens until ten."
    assert item.published == "2025-03-01T10:00:00+00:00"


def test_gzip_file_served_as_is_is_read() -> None:
    body = gzip.compress(rss([story(3)], link="https://courier.example/{slug}").encode())
    assert len(parse_feed(body, BASE).items) == 1


def test_truncated_feed_keeps_what_it_could_read_and_says_so() -> None:
    xml = rss([story(1), story(2)], link="https://courier.example/{slug}")
    parsed = parse_feed(xml[: xml.index("</item>") + len("</item>") + 20].encode(), BASE)
    assert len(parsed.items) >= 1
    assert parsed.problem is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"<!DOCTYPE html><html><body><p>Welcome to our site</p></body></html>", "web page"),
        (b"just some words, not a feed at all", "not an RSS or Atom feed"),
        (b'{"hello": "world"}', "not a JSON Feed"),
        (b"{not json", "neither XML nor valid JSON"),
        (b"\x1f\x8b\x08\x00garbage", "damaged gzip"),
        # Given a string, feedparser would open it as a path; we only ever hand it bytes.
        (b"/etc/passwd", "not an RSS or Atom feed"),
    ],
)
def test_what_is_not_a_feed_is_a_polite_feed_error(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message) as caught:
        parse_feed(body, BASE)
    assert "\n" not in str(caught.value)


def test_gzip_bomb_is_refused() -> None:
    with pytest.raises(FeedError, match="larger than"):
        parse_feed(gzip.compress(b" " * 3_000_000), BASE, max_bytes=1_000_000)


def test_html_to_text() -> None:
    fragment = (
        "<div><h2>Title</h2><p>One &amp; two.<br>Three</p><style>p{}</style>"
        "<ul><li>a</li><li>b</li></ul></div>"
    )
    assert html_to_text(fragment) == "Title\n\nOne & two.\nThree\n\na\n\nb"
    assert html_to_text("plain   text\n\n\n\nmore") == "plain text\n\nmore"
    assert html_to_text("<p>unclosed <b>bold") == "unclosed bold"


def test_items_become_articles_keyed_by_canonical_url() -> None:
    xml = rss([story(5)], link="https://courier.example/news/{slug}?utm_source=rss")
    (item,) = parse_feed(xml.encode(), BASE).items
    web = item_article(item, feed_id=3, feed_url=BASE, source="Courier", full_text=False)
    assert web.canonical_url == "https://courier.example/news/story-5"
    assert web.text == ""  # to be fetched
    assert web.summary == story(5).summary
    local = item_article(item, feed_id=3, feed_url=BASE, source="Courier", full_text=True)
    assert local.text == story(5).summary
    assert local.id == web.id
    again = parse_feed(rss([story(5)], link="https://courier.example/news/{slug}#top").encode(), BASE)
    assert item_article(again.items[0], 3, BASE, None, False).id == web.id


def test_an_items_own_outlet_is_its_source() -> None:
    """Aggregated feeds (and the bundled sample feed) name each item's outlet in <source>; a
    digest shows the story's sources by those names, not all under the feed's title."""
    xml = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Regional roundup</title>'
        "<item><title>Ferry trial approved</title><link>https://a.example/ferry</link>"
        '<source url="https://a.example/rss">Harbour Notes</source></item>'
        "<item><title>Ferry trial begins</title><link>https://b.example/ferry</link></item>"
        "</channel></rss>"
    )
    sourced, plain = parse_feed(xml.encode(), BASE).items
    assert (sourced.source, plain.source) == ("Harbour Notes", None)
    assert item_article(sourced, 1, BASE, "Regional roundup", False).source == "Harbour Notes"
    assert item_article(plain, 1, BASE, "Regional roundup", False).source == "Regional roundup"
    atom = ATOM.replace(
        "<author>", "<source><id>tag:wire.example</id><title>Coast Wire</title></source><author>"
    )
    (entry,) = parse_feed(atom.encode(), BASE).items
    assert entry.source == "Coast Wire"


def test_backoff_doubles_and_is_capped() -> None:
    delays = [backoff_until(0.0, 900, n) for n in range(1, 10)]
    assert delays[:4] == [900, 1800, 3600, 7200]
    assert max(delays) == 24 * 3600
    assert backoff_until(100.0, 2 * 86400, 5) == 100.0 + 2 * 86400  # never sooner than the interval


def test_a_guid_is_taken_for_a_link_only_when_it_is_a_web_address() -> None:
    items = (
        "<item><title>Id only</title><guid>item-66</guid><description>One.</description></item>"
        "<item><title>Permalink</title><guid>https://courier.example/news/67</guid></item>"
        '<item><title>Marked</title><guid isPermaLink="false">https://courier.example/68</guid></item>'
    )
    xml = f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    parsed = parse_feed(xml.encode(), BASE)
    assert [(i.guid, i.link) for i in parsed.items] == [
        ("item-66", None),
        ("https://courier.example/news/67", "https://courier.example/news/67"),
        ("https://courier.example/68", None),
    ]
