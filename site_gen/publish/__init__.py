"""Publishing, the generator's side: read the build output, the dry-run report.

Submodules: `built_output` (read the build output into the core's `BuiltSite`), `report` (the
dry-run text), `admin_token`. The plan itself (`site_core.publish`) is shared with the function;
what talks to the function (its admin API, or its database directly) is the CLI's
(`site_gen.cli.publish_backends`, `site_gen.cli.move_account`).
"""
