"""The owner's admin page at /admin/: server-rendered HTML over the owner services.

Plain forms, no JavaScript, nothing loaded from another origin. Every page and action calls
the same owner services as the JSON admin API and the CLI (`site_function.owner`); this
package only signs the owner in, checks each request, and renders. One module per concern:

    session    the signed session cookie, its CSRF tokens, sign-out
    signin     the credentials (admin token or passphrase hash) and the rate limit
    guard      what every admin response carries and what every request must pass
    request    the checked request pages and actions receive
    forms      bounded, strict reading of a posted form
    rendering  Jinja2 templates and view models
    pages      the GET pages
    actions    the POST actions
    routes     the paths

Remote avatars are not shown: an image from another origin would tell that server who reads
the page and when (and the Content-Security-Policy refuses it).
"""
