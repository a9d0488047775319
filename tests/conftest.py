"""Loaded by pytest before any test folder's own conftest.

Because `tests/` has no `__init__.py`, loading this file puts `tests/` on `sys.path`, so the
shared helpers here (`fixtures_path`, `requirements`) import by name from every folder, also
when only one folder or one file is run.
"""
