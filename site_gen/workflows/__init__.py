"""The GitHub Actions workflows `site-gen init` writes: publish, and the conversations pull.

`render_workflow(config, package)` returns `.github/workflows/publish.yml` for the site's
hosting target: build, deploy, publish, then push the conversation decisions.
`render_conversations_workflow(package)` returns `.github/workflows/conversations.yml`: every
6 hours, `site-gen conversations pull` into the branch `site-gen/conversations` and a pull
request for the owner to review.

Secrets stay secrets: the private key and the admin token are repository secrets read as
environment variables (never written into the file), and the deploy step uses each
platform's own CLI and token. Nothing of the machine that ran `init` is frozen into the files
except the site-gen to install (`SITE_GEN_PACKAGE`, see `package_source`): the function's
address is read from site.yaml at run time. Both files pass actionlint
(tests/publish/test_workflow.py), and their `run:` steps are run for real in
tests/publish/test_workflow_run.py and test_conversations_workflow.py.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from site_gen.workflows.package_source import PackageSource, installed_source

if TYPE_CHECKING:
    from site_gen.config import SiteConfig

__all__ = [
    "BLOCKLISTS_WORKFLOW_PATH",
    "CONVERSATIONS_WORKFLOW_PATH",
    "WORKFLOW_PATH",
    "PackageSource",
    "deploy_secrets",
    "installed_source",
    "render_blocklists_workflow",
    "render_conversations_workflow",
    "render_workflow",
    "write_blocklists_workflow",
    "write_conversations_workflow",
    "write_workflow",
]

WORKFLOW_PATH = ".github/workflows/publish.yml"
CONVERSATIONS_WORKFLOW_PATH = ".github/workflows/conversations.yml"
BLOCKLISTS_WORKFLOW_PATH = ".github/workflows/blocklists.yml"


@dataclass(frozen=True)
class _DeployStep:
    name: str
    run: str
    secrets: tuple[str, ...]

    def env_lines(self) -> list[str]:
        return [f"{name}: ${{{{ secrets.{name} }}}}" for name in self.secrets]


# How each hosting target deploys the built folder; the others are the owner's own server.
_DEPLOY: dict[str, _DeployStep] = {
    "netlify": _DeployStep(
        "Deploy to Netlify",
        'npx --yes netlify-cli@17 deploy --prod --dir "$OUTPUT"',
        ("NETLIFY_AUTH_TOKEN", "NETLIFY_SITE_ID"),
    ),
    "cloudflare": _DeployStep(
        "Deploy to Cloudflare Pages",
        'npx --yes wrangler@3 pages deploy "$OUTPUT" --project-name "$CF_PAGES_PROJECT"',
        ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "CF_PAGES_PROJECT"),
    ),
    "vercel": _DeployStep(
        "Deploy to Vercel - site and function on one host",
        'npx --yes vercel@39 deploy --prod --yes --token "$VERCEL_TOKEN"',
        ("VERCEL_TOKEN", "VERCEL_ORG_ID", "VERCEL_PROJECT_ID"),
    ),
}
_RSYNC = _DeployStep(
    "Deploy to your server with rsync ({target} config proxies the inbox)",
    "mkdir -p ~/.ssh\n"
    "printf '%s\\n' \"$DEPLOY_SSH_KEY\" > ~/.ssh/id_deploy\n"
    "chmod 600 ~/.ssh/id_deploy\n"
    "printf '%s\\n' \"$DEPLOY_KNOWN_HOSTS\" > ~/.ssh/known_hosts\n"
    'rsync -az --delete -e "ssh -i ~/.ssh/id_deploy" "$OUTPUT/" "$DEPLOY_TARGET"',
    ("DEPLOY_SSH_KEY", "DEPLOY_KNOWN_HOSTS", "DEPLOY_TARGET"),
)


def deploy_secrets(hosting: str) -> tuple[str, ...]:
    """The repository secrets the deploy step of `hosting` reads (none for GitHub Pages)."""
    if hosting == "github-pages":
        return ()
    return _DEPLOY.get(hosting, _RSYNC).secrets


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.splitlines())


def _deploy_steps(target: str) -> str:
    if target == "github-pages":
        return (
            "      - name: Upload the site for GitHub Pages\n"
            "        uses: actions/upload-pages-artifact@v3\n"
            "        with:\n"
            "          path: ${{ env.OUTPUT }}\n"
            "      # GitHub Pages cannot set Content-Type: the function serves /ap/ documents.\n"
            "      - name: Deploy to GitHub Pages\n"
            "        id: pages\n"
            "        uses: actions/deploy-pages@v4\n"
        )
    step = _DEPLOY.get(target, _RSYNC)
    run = step.run
    run_block = (
        f"        run: {run}\n" if "\n" not in run else "        run: |\n" + _indent(run, 10) + "\n"
    )
    return (
        f"      - name: {step.name.replace('{target}', target)}\n"
        "        env:\n" + _indent("\n".join(step.env_lines()), 10) + "\n" + run_block
    )


def _package_lines(package: PackageSource) -> tuple[str, str]:
    """(comment lines of the note, the YAML value): one line to change, explained."""
    note = ""
    if package.note:
        wrapped = textwrap.wrap(f"NOTE: {package.note}", width=94, break_on_hyphens=False)
        note = "".join(f"  # {line}\n" for line in wrapped)
    # A JSON string is a YAML double-quoted scalar; escaping keeps odd paths on one line.
    return note, json.dumps(package.requirement)


def render_workflow(config: SiteConfig, package: PackageSource | None = None) -> str:
    """The workflow text for this site's hosting target.

    `package` is what the runner installs; by default the site-gen running this code
    (`installed_source()`).
    """
    template = files("site_gen.workflows").joinpath("publish.yml.tmpl").read_text("utf-8")
    pages = config.hosting == "github-pages"
    permissions = "  contents: read\n" + ("  pages: write\n  id-token: write\n" if pages else "")
    environment = (
        "    environment:\n      name: github-pages\n"
        "      url: ${{ steps.pages.outputs.page_url }}\n"
        if pages
        else ""
    )
    note, requirement = _package_lines(package or installed_source())
    return (
        template.replace("@@ENVIRONMENT@@", environment)
        .replace("@@PACKAGE_NOTE@@", note)
        .replace("@@PACKAGE@@", requirement)
        .replace("@@PERMISSIONS@@", permissions.rstrip("\n"))
        .replace("@@OUTPUT@@", config.output)
        .replace("@@DEPLOY@@", _deploy_steps(config.hosting).rstrip("\n"))
    )


def _write(site_dir: Path, relative: str, text: str) -> Path:
    path = site_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _render_with_package(template_name: str, package: PackageSource | None) -> str:
    """A workflow whose only variable part is the site-gen the runner installs."""
    template = files("site_gen.workflows").joinpath(template_name).read_text("utf-8")
    note, requirement = _package_lines(package or installed_source())
    return template.replace("@@PACKAGE_NOTE@@", note).replace("@@PACKAGE@@", requirement)


def write_workflow(site_dir: Path, package: PackageSource | None = None) -> Path:
    """Write `.github/workflows/publish.yml` for the site in `site_dir` (called by `init`)."""
    from site_gen.config import load_config

    return _write(site_dir, WORKFLOW_PATH, render_workflow(load_config(site_dir), package))


def render_conversations_workflow(package: PackageSource | None = None) -> str:
    """The conversations workflow's text; `package` as for `render_workflow`."""
    return _render_with_package("conversations.yml.tmpl", package)


def write_conversations_workflow(site_dir: Path, package: PackageSource | None = None) -> Path:
    """Write `.github/workflows/conversations.yml` for the site in `site_dir` (by `init`)."""
    return _write(site_dir, CONVERSATIONS_WORKFLOW_PATH, render_conversations_workflow(package))


def render_blocklists_workflow(package: PackageSource | None = None) -> str:
    """The blocklist subscriptions' workflow (`site-gen blocks sync`, then a pull request)."""
    return _render_with_package("blocklists.yml.tmpl", package)


def write_blocklists_workflow(site_dir: Path, package: PackageSource | None = None) -> Path:
    """Write `.github/workflows/blocklists.yml` (by `site-gen blocks subscribe`)."""
    return _write(site_dir, BLOCKLISTS_WORKFLOW_PATH, render_blocklists_workflow(package))
