"""site.yaml's review policy travels to the function: in `OwnerSettings` (old dicts without it
still read), in every publish plan and in the local preview's settings, but never in the
public build (hold words are private)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from site_core.publish.owner_settings import OwnerSettings, ReviewPolicy
from site_core.publish.plan import LedgerState, plan_publish
from site_core.publish.plan_wire import plan_from_dict, plan_to_dict
from site_gen.build.pipeline import build_site
from site_gen.config import SiteConfig, load_config
from site_gen.publish.built_output import read_built_site
from site_gen.serve.function_settings import settings_from_site

POLICY = ReviewPolicy("followers", ("crypto", "free money"), ("spam.example",))
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_owner_settings_carry_the_policy_and_old_dicts_still_read() -> None:
    settings = OwnerSettings(True, ("https://old.example/u/a",), None, POLICY)
    assert OwnerSettings.from_dict(settings.to_dict()) == settings
    old = {"manually_approves_followers": False, "also_known_as": [], "moved_to": None}
    assert OwnerSettings.from_dict(old).review == ReviewPolicy()
    partial = {**old, "review": {"show_without_review": "everyone"}}
    assert OwnerSettings.from_dict(partial).review == ReviewPolicy("everyone")


@pytest.mark.parametrize(
    "review",
    [{"show_without_review": "all"}, {"hold_words": "crypto"}, {"hold_domains": [""]}, []],
)
def test_a_bad_policy_is_refused(review: object) -> None:
    old = {"manually_approves_followers": False, "also_known_as": [], "moved_to": None}
    with pytest.raises(ValueError, match=r"review|show_without_review|hold_"):
        OwnerSettings.from_dict({**old, "review": review})


def _with_policy(site: SiteConfig) -> SiteConfig:
    yaml_path = site.root / "site.yaml"
    text = yaml_path.read_text()
    policy = (
        "conversation:\n  show_without_review: followers\n"
        "  hold_words: [Crypto, free money]\n  hold_domains: ['@spam.example']\n"
    )
    # The sample's own `conversation:` mapping (display keys only) gives way to this one.
    text = re.sub(r"^conversation:\n(?:[ ]+.*\n)*", "", text, flags=re.M)
    yaml_path.write_text(text + "\n" + policy)
    return load_config(site.root)


def test_site_yaml_policy_goes_into_the_plan_not_the_build(site: SiteConfig) -> None:
    config = _with_policy(site)
    assert config.conversation.review == POLICY
    build_site(config, offline=True, jobs=1)
    built = read_built_site(config.output_dir, config.urls)
    plan = plan_publish(built, LedgerState(), config.urls, NOW, config.conversation.review)
    assert plan.owner is not None
    assert plan.owner.review == POLICY
    assert plan_from_dict(plan_to_dict(plan)).owner == plan.owner
    assert plan_publish(built, LedgerState(), config.urls, NOW).owner.review == ReviewPolicy()
    public = "".join(
        p.read_text(errors="replace") for p in config.output_dir.rglob("*") if p.is_file()
    )
    assert "free money" not in public
    assert "spam.example" not in public


def test_the_local_preview_knows_the_policy(site: SiteConfig) -> None:
    settings = settings_from_site(_with_policy(site), {})
    assert settings.owner is not None
    assert settings.owner.review == POLICY
