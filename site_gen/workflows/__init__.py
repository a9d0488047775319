"""The GitHub Actions workflow `site-gen init` writes: build, deploy, then publish.

`render_workflow(config)` returns `.github/workflows/publish.yml` for the site's hosting
target. Secrets stay secrets: the private key and the admin token are repository secrets read
as environment variables (never written into the file), and the deploy step uses each
platform's own CLI and token. The file passes actionlint (tests/publish/test_workflow.py).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from site_gen.config import SiteConfig

__all__ = ["WORKFLOW_PATH", "render_workflow", "write_workflow"]

WORKFLOW_PATH = ".github/workflows/publish.yml"

# How each hosting target deploys the built folder; None: the owner's own server (rsync).
_DEPLOY: dict[str, dict[str, str]] = {
    "netlify": {
        "name": "Deploy to Netlify",
        "run": 'npx --yes netlify-cli@17 deploy --prod --dir "$OUTPUT"',
        "env": "NETLIFY_AUTH_TOKEN: ${{ secrets.NETLIFY_AUTH_TOKEN }}\n"
        "NETLIFY_SITE_ID: ${{ secrets.NETLIFY_SITE_ID }}",
    },
    "cloudflare": {
        "name": "Deploy to Cloudflare Pages",
        "run": 'npx --yes wrangler@3 pages deploy "$OUTPUT" --project-name "$CF_PAGES_PROJECT"',
        "env": "CLOUDFLARE_API_TOKEN: ${{ secrets.CLOUDFLARE_API_TOKEN }}\n"
        "CLOUDFLARE_ACCOUNT_ID: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}\n"
        "CF_PAGES_PROJECT: ${{ secrets.CF_PAGES_PROJECT }}",
    },
    "vercel": {
        "name": "Deploy to Vercel - site and function on one host (interop item 6)",
        "run": 'npx --yes vercel@39 deploy --prod --yes --token "$VERCEL_TOKEN"',
        "env": "VERCEL_TOKEN: ${{ secrets.VERCEL_TOKEN }}\n"
        "VERCEL_ORG_ID: ${{ secrets.VERCEL_ORG_ID }}\n"
        "VERCEL_PROJECT_ID: ${{ secrets.VERCEL_PROJECT_ID }}",
    },
}
_RSYNC = {
    "name": "Deploy to your server with rsync ({target} config proxies the inbox)",
    "run": "mkdir -p ~/.ssh\n"
    "printf '%s\\n' \"$DEPLOY_SSH_KEY\" > ~/.ssh/id_deploy\n"
    "chmod 600 ~/.ssh/id_deploy\n"
    "printf '%s\\n' \"$DEPLOY_KNOWN_HOSTS\" > ~/.ssh/known_hosts\n"
    'rsync -az --delete -e "ssh -i ~/.ssh/id_deploy" "$OUTPUT/" "$DEPLOY_TARGET"',
    "env": "DEPLOY_SSH_KEY: ${{ secrets.DEPLOY_SSH_KEY }}\n"
    "DEPLOY_KNOWN_HOSTS: ${{ secrets.DEPLOY_KNOWN_HOSTS }}\n"
    "DEPLOY_TARGET: ${{ secrets.DEPLOY_TARGET }}",
}


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
    step = _DEPLOY.get(target) or {k: v.replace("{target}", target) for k, v in _RSYNC.items()}
    run = step["run"]
    run_block = (
        f"        run: {run}\n" if "\n" not in run else "        run: |\n" + _indent(run, 10) + "\n"
    )
    return (
        f"      - name: {step['name']}\n"
        "        env:\n" + _indent(step["env"], 10) + "\n" + run_block
    )


def render_workflow(config: SiteConfig) -> str:
    """The workflow text for this site's hosting target."""
    template = files("site_gen.workflows").joinpath("publish.yml.tmpl").read_text("utf-8")
    pages = config.hosting == "github-pages"
    permissions = "  contents: read\n" + ("  pages: write\n  id-token: write\n" if pages else "")
    from site_gen import __version__

    environment = (
        "    environment:\n      name: github-pages\n"
        "      url: ${{ steps.pages.outputs.page_url }}\n"
        if pages
        else ""
    )
    return (
        template.replace("@@ENVIRONMENT@@", environment)
        .replace("@@VERSION@@", __version__)
        .replace("@@PERMISSIONS@@", permissions.rstrip("\n"))
        .replace("@@OUTPUT@@", config.output)
        .replace("@@DEPLOY@@", _deploy_steps(config.hosting).rstrip("\n"))
        .replace("@@FUNCTION_URL@@", config.function_url or config.base_url)
    )


def write_workflow(site_dir: Path) -> Path:
    """Write `.github/workflows/publish.yml` for the site in `site_dir` (called by `init`)."""
    from site_gen.config import load_config

    path = site_dir / WORKFLOW_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_workflow(load_config(site_dir)), encoding="utf-8")
    return path
