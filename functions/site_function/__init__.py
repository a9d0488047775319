"""The function: the one moving part of a site-gen presence.

An ASGI application that receives signed activities, keeps followers and blocks, and delivers
signed activities. Importing this package must stay cheap (serverless cold starts): heavy
modules (aiohttp, psycopg) are imported where they are first used.
"""

__all__: list[str] = []
