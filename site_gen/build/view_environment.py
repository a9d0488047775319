"""The Jinja2 environment of the themes: the same pages as Jinja2's own, with less work per
`{{ }}` and per macro call (a third of a post page's rendering).

- `{{ post.url }}` on a view's dict skips the failed attribute lookup Jinja2 tries first (it
  raises and catches an AttributeError): a name that is no attribute of a dict is looked up
  as a key, which is where Jinja2 ends up;
- a macro call skips the checks for `pass_context` and the like, which a macro never has, and
  one given every argument by position calls the macro's function at once;
- a template escapes a plain string with one call, not two (`fast_escape`).

Anything else goes to Jinja2 itself; tests/build/test_fast_paths.py renders both ways.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

__all__ = ["fast_escape", "view_environment_class"]


@functools.cache
def view_environment_class() -> type[jinja2.Environment]:
    """The environment class (made on first use: a build that renders nothing never imports
    Jinja2)."""
    import jinja2

    dict_attributes = frozenset(dir({}))

    class ViewEnvironment(jinja2.Environment):
        context_class = _context_class()
        template_class = _template_class()

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute not in dict_attributes:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return super().getattr(obj, attribute)

    return ViewEnvironment


@functools.cache
def _context_class() -> type[jinja2.runtime.Context]:
    from jinja2.runtime import Context, Macro
    from markupsafe import Markup

    plain_call = _plain_call_test()

    class ViewContext(Context):
        def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            if type(__obj) is not Macro:
                return super().call(__obj, *args, **kwargs)
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                if not kwargs and plain_call(__obj, args):
                    # What `Macro.__call__` comes to when it is given every argument by
                    # position and there is no caller, **kwargs or *varargs to fill in.
                    result = __obj._func(*args)
                    # A macro's output is already escaped, as Jinja2 marks it.
                    return Markup(result) if __obj._default_autoescape else result  # noqa: S704
                return __obj(*args, **kwargs)
            except StopIteration:
                return super().call(_raise_stop_iteration)

    return ViewContext


def _plain_call_test() -> Callable[[Any, tuple[Any, ...]], bool]:
    """Whether a macro call needs none of `Macro.__call__`'s argument handling."""
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Macro

    # The macro's own attributes a plain call reads (Jinja2 3.1); without them, no shortcut.
    known = all(
        name in Macro.__init__.__code__.co_names
        for name in ("_func", "_argument_count", "_default_autoescape", "_environment")
    )

    def plain_call(macro: Any, args: tuple[Any, ...]) -> bool:
        return (
            known
            and len(args) == macro._argument_count
            and not macro.caller
            and not macro.catch_kwargs
            and not macro.catch_varargs
            and not macro._environment.is_async
            and not (args and isinstance(args[0], EvalContext))
        )

    return plain_call


def _raise_stop_iteration() -> None:
    """What a macro that raised StopIteration becomes: Jinja2's own answer to that."""
    raise StopIteration


@functools.cache
def _template_class() -> type[jinja2.Template]:
    import jinja2
    import markupsafe

    class ViewTemplate(jinja2.Template):
        @classmethod
        def from_code(
            cls,
            environment: jinja2.Environment,
            code: Any,
            globals: Any,
            uptodate: Any = None,
        ) -> Any:
            template = super().from_code(environment, code, globals, uptodate)
            namespace = template.root_render_func.__globals__
            if namespace.get("escape") is markupsafe.escape:
                namespace["escape"] = fast_escape()
            return template

    return ViewTemplate


@functools.cache
def fast_escape() -> Callable[[Any], Any]:
    """`markupsafe.escape`, or one that makes the same `Markup` of a plain string (the usual
    `{{ }}`) without `Markup.__new__`'s Python frame; anything else goes to markupsafe."""
    import markupsafe

    escape = markupsafe.escape
    markup, inner = markupsafe.Markup, getattr(markupsafe, "_escape_inner", None)
    if inner is None or inner("<&>'\"x") != "&lt;&amp;&gt;&#39;&#34;x":
        return escape
    new = str.__new__

    def escape_fast(value: Any) -> Any:
        if type(value) is str:
            return new(markup, inner(value))
        return escape(value)

    return escape_fast
