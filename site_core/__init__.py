"""site-gen's protocol core: what the generator and the function both speak.

    site_core/        URLs and ids, documents and their serialization, keys, signatures,
                      the publish plan and its wire form, the exception tree. Pure: no file,
                      network or environment access; callers pass I/O in.
    site_remote/      outgoing requests to remote servers, from either side: the address
                      guard and the bounded, guarded client. Imports only the core.
    site_gen/         the generator: Markdown to a static site and its ActivityPub documents.
    functions/site_function/
                      the function: inbox, follows, blocks, signed delivery (ASGI).

Both sides import the core; the core imports neither, and neither side imports the other,
except the generator's CLI and local preview (`site_gen.cli`, `site_gen.serve`), which run the
function's code on the owner's machine. `lint-imports` (pyproject.toml) holds these lines.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
