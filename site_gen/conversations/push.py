"""`site-gen conversations push`: tell the function the owner's decisions made in the files.

A decision is a `status:` that differs from the state pulled.json recorded for the item (what
the function had at the last pull). Every data file is read and checked first: one bad file
stops the push with its file, line and reason, and nothing is sent. The decisions go in
batches of `DECISIONS_BATCH`; the states the function took are then recorded in pulled.json,
so the next pull sees files and function agree.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from site_gen.conversations.data_files import conversations_dir, load_conversations
from site_gen.conversations.pulled_state import load_pulled, save_pulled
from site_gen.conversations.sync_report import PushReport

__all__ = ["DECISIONS_BATCH", "DecisionTarget", "pending_decisions", "send_decisions"]

DECISIONS_BATCH = 5_000


class DecisionTarget(Protocol):
    """Where decisions go: the owner controls (admin API or a database)."""

    def moderate_many(self, decisions: dict[str, str]) -> dict[str, Any]: ...


def pending_decisions(site_dir: Path) -> dict[str, str]:
    """Item id -> status, for every item whose file status differs from the recorded state;
    {} without a conversations folder. Raises `ConfigError` on a bad data file."""
    if not conversations_dir(site_dir).is_dir():
        return {}
    conversations = load_conversations(site_dir)
    recorded = load_pulled(site_dir).items
    decisions: dict[str, str] = {}
    for conversation in conversations.values():
        for item in conversation.items:
            seen = recorded.get(item.id)
            # An item pulled.json does not know (a pull cut short) waits for the next pull.
            if seen is not None and seen.state != item.status:
                decisions[item.id] = item.status
    return decisions


def send_decisions(site_dir: Path, target: DecisionTarget, decisions: dict[str, str]) -> PushReport:
    """Send `decisions` and record the states the function now has; what was done."""
    report = PushReport()
    done: list[str] = []
    ids = sorted(decisions)
    for start in range(0, len(ids), DECISIONS_BATCH):
        batch = {item_id: decisions[item_id] for item_id in ids[start : start + DECISIONS_BATCH]}
        result = target.moderate_many(batch)
        done += [str(i) for i in (*result.get("changed", ()), *result.get("unchanged", ()))]
        report.missing += [str(i) for i in result.get("missing", ())]
    pulled = load_pulled(site_dir)
    for item_id in done:
        state = decisions[item_id]
        report.sent.setdefault(state, []).append(item_id)
        if item_id in pulled.items:
            pulled.items[item_id] = replace(pulled.items[item_id], state=state)
    save_pulled(site_dir, pulled)
    return report
