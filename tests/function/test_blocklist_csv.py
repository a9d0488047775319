"""Mastodon's domain-block CSV: the three shapes in the wild, the round trip, and bad rows."""

from __future__ import annotations

from datetime import UTC, datetime

from site_function.blocklist_csv import format_blocklist, parse_blocklist
from site_function.store import Block

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

MASTODON_EXPORT = (
    "\ufeff#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    "spam.example,suspend,false,false,Spam,false\n"
    'loud.example,silence,true,true,"Harassment, repeatedly",true\n'
    "pics.example,noop,true,false,,false\n"
)


def test_mastodon_export_format() -> None:
    result = parse_blocklist(MASTODON_EXPORT, NOW)
    assert result.ok
    assert result.blocks == (
        Block("domain", "spam.example", NOW, "suspend", "Spam"),
        Block("domain", "loud.example", NOW, "silence", "Harassment, repeatedly", True, True, True),
        Block("domain", "pics.example", NOW, "noop", "", reject_media=True),
    )


def test_older_header_without_hashes_in_another_order_with_extra_columns() -> None:
    text = (
        "severity,domain,private_comment,public_comment,set_nsfw\r\n"
        "suspend,Bad.Example,internal note,public note,true\r\n"
    )
    result = parse_blocklist(text, NOW)
    assert result.ok
    assert result.blocks == (Block("domain", "bad.example", NOW, "suspend", "public note"),)


def test_plain_list_with_comments_blank_lines_and_wildcards() -> None:
    text = "# my list\n\nspam.example\n*.worse.example\n  bücher.example  \n# the end\n"
    result = parse_blocklist(text, NOW)
    assert result.ok
    assert [b.value for b in result.blocks] == [
        "spam.example",
        "worse.example",
        "xn--bcher-kva.example",
    ]
    assert all(b.severity == "suspend" for b in result.blocks)


def test_round_trip() -> None:
    blocks = parse_blocklist(MASTODON_EXPORT, NOW).blocks
    text = format_blocklist([*blocks, Block("account", "https://m.example/users/a", NOW)])
    assert text.splitlines()[0] == (
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    )
    assert "users/a" not in text  # account blocks are not part of a domain blocklist
    again = parse_blocklist(text, NOW)
    assert again.ok
    assert sorted(again.blocks, key=lambda b: b.value) == sorted(blocks, key=lambda b: b.value)
    assert format_blocklist(again.blocks) == text


def test_bad_rows_are_reported_with_their_line_and_good_rows_kept() -> None:
    text = (
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        "good.example,suspend,false,false,,false\n"
        "\n"
        "ma***.example,suspend,false,false,,true\n"
        "https://url.example/,suspend,false,false,,false\n"
        "odd.example,ban,false,false,,false\n"
        "flag.example,suspend,maybe,false,,false\n"
        '"multi\nline.example",suspend,false,false,,false\n'
        "bad_-label-.example,suspend,false,false,,false\n"
        ",suspend,false,false,,false\n"
        "last.example\n"
    )
    result = parse_blocklist(text, NOW)
    assert not result.ok
    assert [b.value for b in result.blocks] == ["good.example", "last.example"]
    assert [str(p) for p in result.problems] == [
        "line 4: 'ma***.example' is obfuscated (a public list hides part of the domain)",
        "line 5: 'https://url.example/' is not a domain (give the host name only)",
        "line 6: unknown severity 'ban' (suspend, silence, noop)",
        "line 7: reject_media must be true or false, not 'maybe'",
        "line 8: 'multi\\nline.example' is not a valid domain",
        "line 10: 'bad_-label-.example' is not a valid domain",  # after the 2-line row
        "line 11: empty domain",
    ]


def test_a_header_without_a_domain_column_is_reported() -> None:
    result = parse_blocklist("#domain\nok.example\n", NOW)
    assert result.ok
    result = parse_blocklist("domain,severity\n", NOW)
    assert result.blocks == ()
    assert result.ok
    text = "#domain,#severity\nbad.example,suspend\n"
    assert parse_blocklist(text, NOW).blocks[0].value == "bad.example"
    missing = parse_blocklist("name,severity\nbad.example,suspend\n", NOW)
    assert missing.blocks == ()
    assert [str(p) for p in missing.problems] == ["line 1: the header has no domain column"]


def test_a_domain_listed_twice_keeps_its_last_row() -> None:
    result = parse_blocklist("a.example\nA.example,silence\n", NOW)
    assert [(b.value, b.severity) for b in result.blocks] == [("a.example", "silence")]


def test_comments_that_spreadsheets_would_run_are_exported_inert_and_round_trip() -> None:
    comments = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "'=kept", "''@", "'quoted"]
    blocks = [Block("domain", f"d{i}.example", NOW, comment=c) for i, c in enumerate(comments)]
    text = format_blocklist(blocks)
    cells = [line.split(",")[4] for line in text.splitlines()[1:]]
    assert all(not cell.lstrip('"').startswith(("=", "+", "-", "@")) for cell in cells)
    assert "'+1" in cells
    assert "'-2" in cells
    again = parse_blocklist(text, NOW)
    assert again.ok
    assert [b.comment for b in again.blocks] == comments


def test_a_cell_over_the_reader_limit_makes_the_file_unreadable_at_its_line() -> None:
    text = (
        "#domain,#severity,#public_comment\nok.example,suspend,\n" + 'x.example,"' + "y" * 999_000
    )
    result = parse_blocklist(text, NOW)
    assert not result.ok
    assert result.blocks == ()
    assert result.unreadable is not None
    assert result.unreadable.line == 3
    assert "quote" in str(result.unreadable)
