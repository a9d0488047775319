"""The sans-IO federation core shared by the generator and the function.

Modules here take dicts, bytes, keys and `now` as arguments and do no network, disk or
database I/O, so they are fast to test and safe to import in a serverless cold start.
"""
