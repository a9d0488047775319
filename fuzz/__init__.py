"""Fuzz runs of the function's untrusted-input parsers, run by hand (not in CI, not by pytest).

Two targets, each bounded by `--seconds` (default 180), each printing at the end how many
examples ran, for how long, which outcomes or statuses were seen and how many failures were
found (the aim is 0). A failure prints the smallest input hypothesis could shrink it to.

    .venv/bin/python -m fuzz.signatures --seconds 180
    .venv/bin/python -m fuzz.inbox --seconds 180

- `fuzz.signatures`: the draft-cavage `Signature` header parser, the RFC 8941 dictionary
  parser under RFC 9421 `Signature-Input`/`Signature`, and `verify_request` with arbitrary
  methods, paths, headers, bodies and clocks, and with real signatures then mutated. Only the
  documented values (`SignatureInput`, `VerifiedSignature`, `VerificationFailure` with a reason
  from `REASONS`) may come out, or `ValueError` from the dictionary parser alone.
- `fuzz.inbox`: the function's app in-process (httpx's ASGI transport, SQLite in a temporary
  directory) receiving arbitrary JSON bodies shaped like activities and arbitrary headers,
  unsigned and signed with the real key of a made-up remote actor whose key and actor
  document are preloaded into the store, so parsing past verification is reached. Any other
  server the function would fetch resolves to 127.0.0.1, where nothing answers. A status of
  500 or more fails the run, except a deliberate 503 with Retry-After.

Needs hypothesis (the `dev` extra). Everything stays on this machine.
"""
