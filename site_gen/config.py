"""The site's one configuration file, `site.yaml`, read into a frozen `SiteConfig`.

Every key is validated: an unknown key, a wrong type or a bad value is a `ConfigError` that
names the file, the line and the key, because a typo that silently does nothing is the worst
kind of bug in a file people edit by hand.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from site_core.errors import ConfigError
from site_core.handle_domain import handle_domain
from site_core.interaction_policy import QuoteChoice, quote_choice
from site_core.urls import UrlScheme
from site_gen import config_values as checks
from site_gen.config_blocklists import blocklists
from site_gen.config_conversation import ConversationPolicy, conversation_policy
from site_gen.config_values import HOSTING_TARGETS
from site_gen.yaml_errors import explain_yaml_error

__all__ = [
    "CONFIG_FILENAME",
    "HOSTING_TARGETS",
    "ProfileField",
    "SiteConfig",
    "check_profile_images",
    "load_config",
    "parse_config",
]

CONFIG_FILENAME = "site.yaml"


@dataclass(frozen=True)
class ProfileField:
    """One profile field; a `value` that is a URL becomes a rel="me" link."""

    name: str
    value: str


@dataclass(frozen=True)
class SiteConfig:
    """Everything `site.yaml` says, with defaults applied and paths made absolute."""

    root: Path
    base_url: str
    username: str
    display_name: str
    title: str
    bio: str = ""
    avatar: str | None = None
    header: str | None = None
    fields: tuple[ProfileField, ...] = ()
    language: str = "en"
    manually_approves_followers: bool = False
    discoverable: bool = True
    indexable: bool = True
    also_known_as: tuple[str, ...] = ()
    moved_to: str | None = None
    function_url: str | None = None
    hosting: str = "netlify"
    posts_per_page: int = 10
    output: str = "public"
    software_name: str = "site-gen"
    conversation: ConversationPolicy = field(default_factory=ConversationPolicy)
    quotes: QuoteChoice = "everyone"  # FEDERATION.md#quote-consent: Mastodon's default
    handle_domain: str | None = None  # FEDERATION.md#handle-domain; None: the site's host
    blocklists: tuple[str, ...] = ()  # FEDERATION.md#domain-policies: subscribed lists
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def bio_paragraphs(self) -> tuple[str, ...]:
        """The bio's paragraphs (split at blank lines, white space folded), for the profile
        page and the actor alike."""
        blocks = self.bio.replace("\r\n", "\n").split("\n\n")
        return tuple(" ".join(block.split()) for block in blocks if block.strip())

    @cached_property
    def urls(self) -> UrlScheme:
        """Made once per config: a build asks for it several times per post."""
        return UrlScheme(self.base_url, self.username, self.function_url, self.handle_domain)

    @property
    def posts_dir(self) -> Path:
        return self.root / "posts"

    @cached_property
    def static_dir(self) -> Path:
        """Made once per config: reading a post asks for it twice."""
        return self.root / "static"

    @property
    def templates_dir(self) -> Path:
        """Optional theme overrides of this site; the default theme fills the rest."""
        return self.root / "templates"

    @property
    def output_dir(self) -> Path:
        return (self.root / self.output).resolve()

    @property
    def state_dir(self) -> Path:
        """Private state of this site (key, local database, caches): never published."""
        return self.root / ".site-gen"

    @property
    def public_key_path(self) -> Path:
        return self.root / "public-key.pem"

    @property
    def private_key_path(self) -> Path:
        return self.state_dir / "private-key.pem"


# --- validation -------------------------------------------------------------------------------

_Check = Callable[[Any, str], Any]


_SCALAR_KEYS: dict[str, _Check] = {
    "base_url": checks.https_url,
    "username": checks.username,
    "display_name": checks.text,
    "title": checks.optional_text,
    "bio": checks.bio,
    "avatar": checks.optional_text,
    "header": checks.optional_text,
    "language": checks.language,
    "manually_approves_followers": checks.flag,
    "discoverable": checks.flag,
    "indexable": checks.flag,
    "also_known_as": checks.accounts,
    "moved_to": checks.optional_account,
    "function_url": checks.optional_https_url,
    "hosting": checks.hosting,
    "posts_per_page": checks.posts_per_page,
    "output": checks.output,
    "quotes": quote_choice,
    "handle_domain": handle_domain,
    "blocklists": blocklists,
}
_REQUIRED = ("base_url", "username", "display_name")
_ALL_KEYS = (*_SCALAR_KEYS, "fields", "conversation")


def _fields(node: Any, path: Path) -> tuple[ProfileField, ...]:
    import yaml

    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        raise ConfigError(
            "'fields' must be a list of {name, value}", path, node.start_mark.line + 1
        )
    result = []
    for item in node.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            raise ConfigError("each entry of 'fields' must have 'name' and 'value'", path, line)
        entry: dict[str, str] = {}
        for key_node, value_node in item.value:
            key = key_node.value
            if key not in ("name", "value"):
                raise ConfigError(
                    f"unknown key 'fields.{key}' (expected name, value)",
                    path,
                    key_node.start_mark.line + 1,
                )
            if not isinstance(value_node, yaml.ScalarNode) or not str(value_node.value).strip():
                raise ConfigError(
                    f"'fields.{key}' must be a non-empty string",
                    path,
                    value_node.start_mark.line + 1,
                )
            entry[key] = str(value_node.value).strip()
        if set(entry) != {"name", "value"}:
            raise ConfigError("each entry of 'fields' must have 'name' and 'value'", path, line)
        result.append(ProfileField(entry["name"], entry["value"]))
    return tuple(result)


_NODE_KEYS: dict[str, Callable[[Any, Path], Any]] = {"fields": _fields}  # read from the node
_NODE_KEYS["conversation"] = conversation_policy  # so each entry's error names its own line
_SETTING_LINE = re.compile(r"^\s+([A-Za-z_]+)\s*:(?:\s|$)")


def _setting_inside_block(key: str, node: Any, lines: list[str], path: Path) -> None:
    """A `key: value` line indented under `bio: |` is part of the bio, not a setting: say so.

    Only known keys are looked for, so prose with a colon in it stays prose."""
    import yaml

    if not isinstance(node, yaml.ScalarNode) or node.style not in ("|", ">"):
        return
    last = min(node.end_mark.line, len(lines) - 1)
    for index in range(node.start_mark.line + 1, last + 1):
        match = _SETTING_LINE.match(lines[index])
        if match and match.group(1) in _ALL_KEYS:
            raise ConfigError(
                f"this line is indented under {key}: {node.style} so it is part of the {key}; "
                "remove the indentation to make it a setting",
                path,
                index + 1,
            )


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, _ALL_KEYS, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_config(text: str, path: Path) -> SiteConfig:
    """Validate the text of a site.yaml; `path` locates errors and the site root."""
    import yaml

    try:
        root_node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        explained = explain_yaml_error(text, first_line=1)
        if explained is not None:
            raise ConfigError(explained.message, path, explained.line) from None
        raise ConfigError(f"not valid YAML: {exc}", path) from None
    if root_node is None or not isinstance(root_node, yaml.MappingNode):
        raise ConfigError("must be a mapping of keys such as base_url, username", path, 1)

    values: dict[str, Any] = {}
    seen_lines: dict[str, int] = {}
    lines = text.split("\n")
    for key_node, value_node in root_node.value:
        key = key_node.value
        line = key_node.start_mark.line + 1
        _setting_inside_block(key, value_node, lines, path)
        if key in seen_lines:
            raise ConfigError(
                f"key '{key}' appears twice (first on line {seen_lines[key]})", path, line
            )
        seen_lines[key] = line
        if key in _NODE_KEYS:
            values[key] = _NODE_KEYS[key](value_node, path)
            continue
        if key not in _SCALAR_KEYS:
            raise ConfigError(f"unknown key '{key}'{_suggest(key)}", path, line)
        raw = yaml.SafeLoader(yaml.serialize(value_node)).get_single_data()
        try:
            values[key] = _SCALAR_KEYS[key](raw, key)
        except ValueError as exc:
            raise ConfigError(str(exc), path, value_node.start_mark.line + 1) from None

    for key in _REQUIRED:
        if key not in values:
            raise ConfigError(f"missing required key '{key}'", path)
    if values.get("title") is None:
        values["title"] = values["display_name"]
    moved_to = values.get("moved_to")
    if moved_to is not None and moved_to in values.get("also_known_as", ()):
        raise ConfigError("'moved_to' cannot also be listed in 'also_known_as'", path)
    return SiteConfig(root=path.parent.resolve(), **values)


def load_config(site_dir: Path | str) -> SiteConfig:
    """Read `<site_dir>/site.yaml`; a missing or unreadable file is a `ConfigError`."""
    path = Path(site_dir) / CONFIG_FILENAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "no site.yaml here; run 'site-gen init DIR' to make a new site", path
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path) from None
    return parse_config(text, path)


def check_profile_images(config: SiteConfig) -> None:
    """The avatar and header, when given as paths, are files under static/.

    Checked by `build` and `check`, which need the files, not by `load_config`: a command that
    only talks to the function (keys, followers) must not stop on a missing image.
    """
    from site_gen.content.local_images import is_remote, missing_image

    path = config.root / CONFIG_FILENAME
    text = path.read_text(encoding="utf-8") if path.is_file() else ""

    for key in ("avatar", "header"):
        value = getattr(config, key)
        if value is None or is_remote(value):
            continue
        missing = missing_image(config.static_dir, value, value)
        if missing is not None:
            line = next(
                (n for n, t in enumerate(text.split("\n"), 1) if re.match(rf"{key}\s*:", t)),
                None,
            )
            raise ConfigError(f"'{key}': {missing}", path, line)
