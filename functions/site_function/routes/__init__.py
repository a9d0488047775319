"""The app's routes, one module per area; each exposes `routes(runtime) -> list[BaseRoute]`.

`site_function.app._ROUTE_MODULES` lists them in the order they are matched.
"""
