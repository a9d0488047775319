"""Copy the whole state of one store into another, streaming, with no archive between.

The source is read from one snapshot, a page at a time; the target takes every page in one
transaction, so a copy lands whole or not at all and memory stays bounded.
"""

from __future__ import annotations

from site_function.owner.state_archive.exporting import PAGE, StateCounts
from site_function.owner.state_archive.importing import require_empty
from site_function.store.base import Store
from site_function.store.transfer import TRANSFER_KINDS, TransferKind

__all__ = ["copy_state"]


def copy_state(source: Store, target: Store, *, merge: bool = False) -> StateCounts:
    """Copy every record of ``source`` into ``target`` (empty, unless ``merge``)."""
    if not merge:
        require_empty(target)
    counts: dict[TransferKind, int] = dict.fromkeys(TRANSFER_KINDS, 0)
    added: dict[TransferKind, int] = dict.fromkeys(TRANSFER_KINDS, 0)
    with source.read_state() as snapshot, target.transaction():
        for kind in TRANSFER_KINDS:
            for page in snapshot.pages(kind, PAGE):
                counts[kind] += len(page)
                added[kind] += target.import_records(kind, page, merge=merge)
    return StateCounts(counts, added)
