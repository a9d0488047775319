"""The app's routes, one module per area.

Endpoints are module-level functions that find the app's `FunctionRuntime` in
`request.app.state` (`_runtime.runtime_of`); each module's `routes(runtime) -> list[BaseRoute]`
only lays out their paths (some depend on the site's URLs or settings). Admin endpoints are
wrapped in `admin_auth.requires_admin`; what they do is the owner's services
(`site_function.owner`). `site_function.app._ROUTE_MODULES` lists the modules in the order
they are matched.
"""
