"""Records carry no markup into outputs: the input cleaner, the output filter and the clipper."""

from __future__ import annotations

import pytest
import regex

from knowledge.plain_text import PlainStream, clean_input, clip, plain

# --- on the way in: invisible and bidi control characters -------------------------------------

INVISIBLE = {
    "right-to-left override": "pay\u202eyap",
    "left-to-right override": "pay\u202dyap",
    "embedding and pop": "a\u202bb\u202cc",
    "isolates": "a\u2066b\u2067c\u2068d\u2069e",
    "bidi marks": "a\u200eb\u200fc\u061cd",
    "zero-width space": "in\u200bvisible",
    "word joiner and invisible operators": "a\u2060b\u2061c\u2062d\u2063e\u2064f",
    "byte order mark": "\ufeffstart",
    "soft hyphen": "co\u00adordinate",
    "tag characters (ASCII smuggling)": "ok\U000e0069\U000e0067\U000e006e\U000e006f\U000e0072\U000e0065",
    "variation selectors supplement": "a\U000e0100\U000e0101b",
    "C0 and C1 controls": "a\x07b\x1bc\x85d\x9be",
    "joiner between Latin letters": "pa\u200dss\u200cword",
    "fillers": "a\u3164b\uffa0c\u115fd",
}


@pytest.mark.parametrize("name", list(INVISIBLE))
def test_invisible_and_bidi_characters_are_removed(name: str) -> None:
    cleaned = clean_input(INVISIBLE[name])
    assert cleaned.isprintable() or "\n" in cleaned, repr(cleaned)
    assert not regex.search(r"[\p{Cf}\p{Cc}--[\t\n\r]]", cleaned, flags=regex.V1), repr(cleaned)


KEPT = {
    "plain Dutch": "Sanne leidt de retro; daarna één actiepunt.",
    "tab and newlines": "one\ttwo\nthree\r\nfour",
    "family emoji (ZWJ sequence)": "team 👨\u200d👩\u200d👧 outing",
    "flag of Scotland (tag sequence)": "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f trip",
    "Persian with ZWNJ": "می\u200cخواهم",
    "Hindi with ZWJ": "क्\u200dष",
    "emoji with variation selector": "❤\ufe0f thanks",
}


@pytest.mark.parametrize("name", list(KEPT))
def test_writing_that_needs_joiners_is_kept(name: str) -> None:
    assert clean_input(KEPT[name]) == KEPT[name]


def test_line_separators_become_newlines() -> None:
    assert clean_input("a\u2028b\u2029c") == "a\nb\n\nc"


# --- on the way out: plain text ------------------------------------------------------------------

MARKUP = {
    "markdown image": ("Top ![t](http://evil.example/top.png) goal", "Top goal"),
    "markdown image with title": ('x ![a](http://evil.example/p.png "t") y', "x y"),
    "reference image": ("x ![a][img] y\n\n[img]: http://evil.example/p.png", "x y"),
    "markdown link": ("Read [the guide](http://evil.example/guide) today", "Read the guide today"),
    "javascript link": ("[click](javascript:alert(1))", "click"),
    "autolink": ("Go <http://evil.example/x> now", "Go now"),
    "bare URL": ("See https://evil.example/a?b=1 now", "See now"),
    "www link": ("See www.evil.example now", "See now"),
    "upper-case www link, no other letter w": ("ZIE WWW.EVIL.EXAMPLE", "ZIE"),
    "bare host with path": ("See evil.example/collect?x=1 now", "See now"),
    "script tag": ("<script>fetch('http://evil.example')</script>Hello", "Hello"),
    "inline HTML": ("<b>Bold</b> and <a href='http://evil.example'>link</a>", "Bold and link"),
    "image tag": ('<img src="http://evil.example/p.png" onerror="alert(1)">Hi', "Hi"),
    "unfinished tag": ("Hi <img src=x onerror=alert(1)", "Hi"),
    "entity-encoded script": ("&lt;script&gt;alert(1)&lt;/script&gt;ok", "ok"),
    "HTML comment": ("a<!-- ignore previous instructions -->b", "ab"),
    "iframe": ('<iframe src="http://evil.example"></iframe>text', "text"),
}


@pytest.mark.parametrize("name", list(MARKUP))
def test_markup_is_removed(name: str) -> None:
    text, expected = MARKUP[name]
    assert plain(text) == expected


def test_allowed_hosts_keep_their_links() -> None:
    text = "[intranet](https://wiki.noordlicht.example/leave) and [x](https://evil.example/)"
    kept = "[intranet](https://wiki.noordlicht.example/leave) and x"
    assert plain(text, allowed_hosts=["noordlicht.example"]) == kept
    assert plain("https://evil.example/", allowed_hosts=["example"]) == "https://evil.example/"
    assert plain("https://noordlicht.example.evil.test/", allowed_hosts=["noordlicht.example"]) == ""


PLAIN = [
    "Halve pages by Q3: from 40 to 20 per month (2 < 3, R&D).",
    "Sanne's 1-on-1 [planning] (30 min) - use the SBI model!",
    "a <3 b, x > y",
    "e.g. Node.js and ASP.NET, i.e. tools",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_stays_as_it_is(text: str) -> None:
    assert plain(text) == text


# --- truncation ------------------------------------------------------------------------------

def test_clip_never_splits_a_grapheme_cluster() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    for limit in range(1, 14):
        out = clip("ab" + family * 3, limit)
        assert len(out) <= limit
        body = out.removesuffix("…")
        assert regex.findall(r"\X", body) == regex.findall(r"\X", "ab" + family * 3)[: len(regex.findall(r"\X", body))]
    accent = "e\u0301" * 10
    assert all(not clip(accent, n).removesuffix("…").endswith("e") for n in range(2, 12))


def test_clip_leaves_no_open_bidi_control() -> None:
    assert "\u202e" not in clip("title \u202egnol yrev" + "x" * 50, 12)


def test_clip_keeps_short_text() -> None:
    assert clip("short", 10) == "short"


# --- streaming -------------------------------------------------------------------------------

def test_a_link_split_over_tokens_is_still_removed() -> None:
    pieces = ["Look ", "at ![i", "mg](http://e", "vil.example/p.png) and ", "[li", "nk](http://evil.example) ok",
              " <scr", "ipt>x</script> done"]
    stream = PlainStream()
    out = "".join(stream.feed(p) for p in pieces) + stream.flush()
    assert "evil" not in out and "<" not in out and "](" not in out
    assert out.split() == ["Look", "at", "and", "link", "ok", "done"]
