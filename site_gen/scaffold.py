"""A new site folder that builds at once, and the list of what its owner does next.

`make_site` writes site.yaml (from the `init` options, validated exactly as site.yaml is
before anything is written), a first note, the key pair, a .gitignore and the GitHub Actions
workflow. `next_steps` turns the result into the "Next:" text `site-gen init` prints: every
setting still to fill, every secret to add, where the function runs, and what to try locally.
"""

from __future__ import annotations

import json
import shlex
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from site_core.errors import ConfigError, SiteGenError
from site_core.loopback import is_loopback_url
from site_gen.config import CONFIG_FILENAME, SiteConfig, parse_config
from site_gen.workflows import WORKFLOW_PATH, PackageSource, deploy_secrets, installed_source

__all__ = ["DEFAULT_BASE_URL", "NewSite", "make_site", "next_steps"]

DEFAULT_BASE_URL = "http://localhost:8000"
_FIRST_NOTE = """\
---
date: {date}
tags: [hello]
---
Hello, world! This is the first note of this site.
"""
_GITIGNORE = "# private key, local state and caches: never committed\n.site-gen/\npublic/\n"
# Hosts that serve files only: the function must run elsewhere, at function_url.
_STATIC_ONLY = ("netlify", "cloudflare", "github-pages")
_SELF_HOSTED = ("nginx", "caddy", "apache")


def _yaml_scalar(value: str) -> str:
    """`value` as YAML: plain when it reads back as the same string, else double-quoted."""
    import yaml

    try:
        plain = yaml.safe_load(value) == value and "\n" not in value
    except yaml.YAMLError:
        plain = False
    # A JSON string is a valid YAML double-quoted scalar.
    return value if plain else json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class NewSite:
    """What `make_site` wrote: the folder, its validated config, and the site-gen the
    workflow installs."""

    folder: Path
    config: SiteConfig
    package: PackageSource


def _site_yaml(
    username: str, display_name: str, base_url: str, hosting: str, function_url: str | None
) -> tuple[str, dict[int, str]]:
    """The text of site.yaml and, per line, the `init` option that wrote it."""
    lines: list[tuple[str, str | None]] = [
        ('# Every key is documented in README.md ("Configuration").', None),
        (f"base_url: {_yaml_scalar(base_url)}", "--base-url"),
        (f"username: {_yaml_scalar(username)}", "--username"),
        (f"display_name: {_yaml_scalar(display_name)}", "--name"),
        ("bio: |", None),
        ("  A new site made with site-gen.", None),
        ("language: en", None),
        (f"hosting: {_yaml_scalar(hosting)}", "--hosting"),
        (
            f"function_url: {_yaml_scalar(function_url)}"
            if function_url is not None
            else "# function_url: https://fn.example.net  # where the function runs, if elsewhere",
            "--function-url",
        ),
        ("posts_per_page: 10", None),
    ]
    options = {number: option for number, (_, option) in enumerate(lines, 1) if option}
    return "".join(f"{text}\n" for text, _ in lines), options


def make_site(
    folder: Path,
    *,
    username: str = "me",
    display_name: str = "Me",
    base_url: str = DEFAULT_BASE_URL,
    hosting: str = "netlify",
    function_url: str | None = None,
    package: PackageSource | None = None,
) -> NewSite:
    """Write a new site into `folder`; a bad option is a `ConfigError` and writes nothing.

    `package` is what the workflow installs (default: how this site-gen is installed).
    """
    from site_core.keys import generate_ed25519_key, generate_private_key, public_key_pem
    from site_gen.federation.key_files import write_private_key
    from site_gen.workflows import write_conversations_workflow, write_workflow

    config_path = folder / CONFIG_FILENAME
    if config_path.exists():
        raise SiteGenError(f"{folder} already holds a site (site.yaml exists)")
    text, options = _site_yaml(username, display_name, base_url, hosting, function_url)
    try:
        config = parse_config(text, config_path)
    except ConfigError as exc:
        option = options.get(exc.line or 0, "an option")
        raise ConfigError(f"{option}: {exc.message}; nothing was written") from None

    (folder / "posts").mkdir(parents=True, exist_ok=True)
    (folder / "static" / "images").mkdir(parents=True, exist_ok=True)
    config_path.write_text(text, encoding="utf-8")
    today = datetime.now(UTC).replace(microsecond=0)
    first = folder / "posts" / f"{today:%Y-%m-%d}-hello.md"
    first.write_text(_FIRST_NOTE.format(date=f"{today:%Y-%m-%d %H:%M:%S}"), encoding="utf-8")
    (folder / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
    key = generate_private_key()
    write_private_key(folder / ".site-gen" / "private-key.pem", key, output_dir=folder / "public")
    (folder / "public-key.pem").write_text(public_key_pem(key), encoding="ascii")
    # The second key, of integrity proofs (FEDERATION.md#multikey), as `keys generate` makes it.
    proof_key = generate_ed25519_key()
    write_private_key(
        folder / ".site-gen" / "ed25519-private-key.pem", proof_key, output_dir=folder / "public"
    )
    (folder / "ed25519-public-key.pem").write_text(public_key_pem(proof_key), encoding="ascii")
    package = package or installed_source()
    write_workflow(folder, package)  # .github/workflows/publish.yml: build, deploy, publish
    write_conversations_workflow(folder, package)  # pull, then a pull request to review
    return NewSite(folder, config, package)


def _function_step(config: SiteConfig) -> str:
    if config.function_url is not None:
        return (
            f"Run the function at {config.function_url} (README, 'The function'), with "
            "SITE_GEN_ADMIN_TOKEN set to a long random string."
        )
    if config.hosting in _STATIC_ONLY:
        return (
            f"{config.hosting} cannot run the function (inbox, follows, deliveries): deploy it "
            "elsewhere (README, 'The function') and set function_url in site.yaml to its "
            "address (or init with --function-url)."
        )
    if config.hosting in _SELF_HOSTED:
        return (
            f"Run the function next to {config.hosting} on 127.0.0.1:8001 (README, 'The "
            "function'): the host config that site-gen build writes passes the inbox to it. "
            "Or run it elsewhere and set function_url in site.yaml."
        )
    return (
        "Add the function to the Vercel project as api/index.py (README, 'The function'), or "
        "run it elsewhere and set function_url in site.yaml."
    )


def next_steps(site: NewSite) -> str:
    """The "Next:" text of `site-gen init`: what is left to fill, in the order to do it."""
    config = site.config
    folder = site.folder
    steps = []
    if urlsplit(config.base_url).hostname in ("localhost", "127.0.0.1", "::1"):
        steps.append(
            f"Set base_url in {folder / CONFIG_FILENAME} to the site's public address "
            f"(https://...): it is {config.base_url}, which only works on this machine "
            "(or init with --base-url)."
        )
    steps.append(_function_step(config))
    deploy = deploy_secrets(config.hosting)
    secrets = (
        "Push the folder to a GitHub repository and add the repository secrets "
        "SITE_GEN_PRIVATE_KEY "
        "(gh secret set SITE_GEN_PRIVATE_KEY < .site-gen/private-key.pem) and "
        "SITE_GEN_ADMIN_TOKEN (the function's admin token)"
    )
    if deploy:
        secrets += f", and for {config.hosting}: {', '.join(deploy)}."
    else:
        secrets += ", and set Settings > Pages > Source to GitHub Actions."
    steps.append(secrets)
    steps.append(
        "So that the conversations workflow can open its pull request, allow GitHub Actions "
        "to create pull requests (Settings > Actions > General > Workflow permissions)."
    )
    if site.package.note:
        steps.append(f"In {WORKFLOW_PATH}: {site.package.note}")
    steps.append(
        f"Try it locally: cd {shlex.quote(str(folder))} && site-gen build && site-gen serve "
        f"(site and function on {config.base_url if is_loopback_url(config.base_url) else 'http://localhost:8000'})."
    )
    numbered = "\n".join(
        textwrap.fill(
            step,
            width=100,
            initial_indent=f"  {number}. ",
            subsequent_indent="     ",
            break_on_hyphens=False,
            break_long_words=False,
        )
        for number, step in enumerate(steps, 1)
    )
    return f"New site in {folder} (hosting: {config.hosting}).\nNext:\n{numbered}"
