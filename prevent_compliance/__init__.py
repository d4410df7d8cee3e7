"""The project package: settings and root URLs, plus the parts both apps share.

The project (what Django needs to start):
    settings.py   every setting, read from the environment (.env.example lists them)
    urls.py       the root URLconf: sign-in, admin, audit, health, then the two apps
    wsgi.py, asgi.py   the server entry points
    apps.py       this app's config, and the admin that uses our site (admin_site.py)

Cross-cutting parts, used by toolkit and decisions:
    accounts/     sign-in and lockout, two-factor authentication, role grants and account
                  changes (views, urls, forms, middleware, backends, services, signals)
    audit/        the History page of any record and the site-wide audit log (registry,
                  diff, selectors, forms, views, urls); apps register in their audit.py
    notifications/   e-mail at each workflow step: outbox, preferences, sending task
    waiting.py    the "waiting for you" registry (dashboard panel and navigation count)
    roles.py, rules.py   the six roles, and the one permission check (``require``)
    web.py        helpers every view uses: permission, bound forms, service errors, CSV, downloads
    middleware.py Cache-Control on every response
    forms.py      GOV.UK form pieces (date input, crispy helper)
    uploads.py, pdf.py   upload validation and download names; templates rendered to PDF
    models.py, services.py, views.py   the organisation profile, account events, role
                  grants, the worker heartbeat; the organisation and accessibility pages
    admin.py, admin_site.py   the Django admin for users, roles and settings
    health.py, backup.py, converters.py, context_processors.py, templatetags/, management/
    devdata/      development and demonstration data, not shipped in the wheel
"""
