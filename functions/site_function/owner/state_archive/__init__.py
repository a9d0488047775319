"""Moving the function's state: ``site-gen state export``, ``import`` and ``copy``.

One module per step:

    archive_format  the tar: manifest, members, safe streaming reads
    record_json     one record as one JSON line, checked on the way back
    private_key     the site's key, encrypted with a passphrase, only on request
    exporting       a store's snapshot to an archive, in constant memory
    importing       an archive checked whole, then loaded in one transaction
    copying         one store into another, streaming
    mastodon_csv    followers and blocks as Mastodon's CSV files

Refusals are ``ArchiveError`` (an ``OwnerRequestError``): the CLI shows its message, and
nothing has changed.
"""

from __future__ import annotations

from site_function.owner.state_archive.archive_format import ArchiveError, Manifest
from site_function.owner.state_archive.copying import copy_state
from site_function.owner.state_archive.exporting import StateCounts, export_state
from site_function.owner.state_archive.importing import (
    ArchiveImport,
    import_state,
    verify_archive,
)
from site_function.owner.state_archive.mastodon_csv import write_mastodon_csv
from site_function.owner.state_archive.private_key import decrypt_key, encrypt_key

__all__ = [
    "ArchiveError",
    "ArchiveImport",
    "Manifest",
    "StateCounts",
    "copy_state",
    "decrypt_key",
    "encrypt_key",
    "export_state",
    "import_state",
    "verify_archive",
    "write_mastodon_csv",
]
