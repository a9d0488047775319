"""Publishing: the built site compared with the delivery ledger, the dry run, moving away.

Submodules: `built_site` (read the build output), `plan` (pure: what to send), `report` (the
dry-run text), `backends` (the function's admin API, or a database directly), `move`.
Nothing heavy is imported here: the function imports `plan` at cold start.
"""
