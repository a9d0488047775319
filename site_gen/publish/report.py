"""The dry-run report: each activity, its audience, and the text as followers will see it.

No peer shows this before sending; people asked to see exactly what leaves their site, and to
whom, before it is too late to fix a typo.
"""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser
from typing import Any

from site_core.publish.plan import PlannedActivity, PublishPlan
from site_gen.text import plural

__all__ = ["format_plan", "plain_text"]

_BLOCKS = {"p", "br", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "div"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """Roughly what a Mastodon timeline shows of a post's HTML: its text, paragraphs kept."""
    parser = _Text()
    parser.feed(html)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    paragraphs: list[str] = []
    for line in lines:
        if line:
            paragraphs.append(line)
        elif paragraphs and paragraphs[-1] != "":
            paragraphs.append("")
    return "\n".join(paragraphs).strip()


def _followers_view(planned: PlannedActivity) -> str:
    activity = planned.activity
    obj = activity.get("object")
    if planned.kind == "delete":
        return "(the post disappears from their timelines)"
    if planned.kind == "move":
        return f"(followers are moved to {activity.get('target')})"
    if planned.kind == "update-actor" and isinstance(obj, dict):
        name = obj.get("name") or obj.get("preferredUsername") or ""
        return f"(profile refreshed: {name})"
    if not isinstance(obj, dict):
        return ""
    lines = []
    if obj.get("summary") and obj.get("sensitive"):
        lines.append(f"[content warning: {obj['summary']}]")
    if obj.get("type") == "Article" and obj.get("name"):
        lines.append(str(obj["name"]))
    lines.append(plain_text(str(obj.get("content", ""))))
    for image in obj.get("attachment", []) or []:
        if isinstance(image, dict):
            lines.append(f"[image: {image.get('name') or 'no description'}]")
    return "\n".join(line for line in lines if line)


def _shared_with_blocked(entry: dict[str, Any]) -> str:
    """A shared inbox that still receives an activity although blocked accounts use it."""
    blocked, others = list(entry.get("blocked", [])), int(entry.get("others", 0))
    noun = "other follower" if int(entry.get("followers", 0)) == others else "other account"
    whose = "its" if len(blocked) == 1 else "their"
    return (
        f"   - {plural(len(blocked), 'blocked account')} skipped; {whose} server's shared inbox"
        f" still receives it for {plural(others, noun)} ({', '.join(blocked)})"
    )


def format_plan(plan: PublishPlan, outcome: dict[str, Any] | None = None) -> str:
    """The human report of a plan; `outcome` is the backend's dry-run answer (audiences)."""
    if plan.first_publish:
        # A dry run records nothing: say so, or the owner believes the ledger is written.
        count = len(plan.ledger)
        verb = "would be" if (outcome or {}).get("dry_run") else "is" if count == 1 else "are"
        return (
            f"First publish: {plural(count, 'existing post')} {verb} recorded as already"
            " sent;\nnothing old is delivered (new followers see them in the outbox). From now"
            " on,\nnew, edited (with an 'updated' date) and removed posts are sent."
        )
    audiences = {a["activity_id"]: a for a in (outcome or {}).get("audiences", [])}
    out: list[str] = []
    if not plan.activities:
        out.append(f"Nothing to send ({plural(plan.unchanged, 'post')} unchanged).")
    for number, planned in enumerate(plan.activities, start=1):
        audience = audiences.get(planned.activity_id, {})
        label = planned.slug or planned.object_id
        out.append(f"{number}. {planned.activity['type']} ({planned.kind}) {label}")
        out.append(f"   id: {planned.activity_id}")
        if audience:
            out.append(
                f"   to {plural(audience['followers'], 'follower')} at"
                f" {plural(audience['inboxes'], 'distinct inbox', 'distinct inboxes')}"
            )
            for actor, inbox in audience.get("extra", {}).items():
                out.append(f"   + {actor} ({inbox or 'inbox unknown: not sent'})")
            if audience.get("earlier"):
                earlier = plural(audience["earlier"], "inbox", "inboxes")
                out.append(f"   + {earlier} that received this post before")
            for actor in audience.get("blocked", []):
                out.append(f"   - skipped, blocked: {actor}")
            out += [
                _shared_with_blocked(entry) for entry in audience.get("shared_with_blocked", [])
            ]
        if planned.note:
            out.append(f"   note: {planned.note}")
        view = _followers_view(planned)
        if view:
            out.append(textwrap.indent(view, "   | "))
    if plan.silent_edits:
        out.append(
            "Changed without an 'updated' date (not sent, a silent fix): "
            + ", ".join(plan.silent_edits)
        )
    return "\n".join(out)
