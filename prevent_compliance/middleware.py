"""Cache-Control on every response whose view did not choose one.

Signed-in pages hold records a browser or proxy must never keep: they are sent with
``private, no-store``. The public pages (everything under /public/: the decision log, its
records, PDFs and feeds, the meetings, forward plan and publication scheme, the registers of
interests and of gifts and hospitality, the annual reviews; and the accessibility statement)
are built from published content only, the same for every visitor, so a proxy may keep them
for a few minutes; but only an anonymous visitor's successful GET, with no session behind it and no
cookie set, is ever marked public. Anything else, errors and redirects included, is private.
"""

from django.conf import settings

PRIVATE = "private, no-store"
PUBLIC_MAX_AGE = 300
PUBLIC = f"public, max-age={PUBLIC_MAX_AGE}"

# Named routes, not "every view outside sign-in": the sign-in and password pages are outside
# sign-in too, and a new public page stays private until it is added here.
# tests/prevent_compliance/test_public_cache_headers.py fails for a /public/ route missing here.
PUBLIC_VIEWS = frozenset(
    {
        "accessibility",
        "decisions:public_list",
        "decisions:public_detail",
        "decisions:public_pdf",
        "decisions:public_csv",
        "decisions:public_json",
        "decisions:public_atom",
        "decisions:public_appendix_download",
        "meetings:publication_scheme",
        "meetings:public_list",
        "meetings:public_detail",
        "meetings:public_document_download",
        "meetings:public_meetings_csv",
        "meetings:public_meetings_json",
        "meetings:public_agenda_items_csv",
        "meetings:public_agenda_items_json",
        "meetings:public_forward_plan",
        "meetings:public_forward_plan_csv",
        "meetings:public_forward_plan_json",
        "interests:public_register",
        "interests:public_register_csv",
        "interests:public_register_json",
        "interests:public_person",
        "interests:public_version",
        "interests:public_gifts",
        "interests:public_gifts_csv",
        "interests:public_gifts_json",
        "reports:public_list",
        "reports:public_pdf",
    }
)


def is_public_response(request, response) -> bool:
    """Whether a shared cache may keep this response: the same for every visitor."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    return (
        match is not None
        and match.view_name in PUBLIC_VIEWS
        and request.method in {"GET", "HEAD"}
        and response.status_code == 200
        and user is not None
        and not user.is_authenticated
        # A session (even a signed-out one) can put a message on the page; the page would
        # then be someone's own.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not response.cookies
    )


class CacheControlMiddleware:
    """Sets Cache-Control when the view set none: public for public pages, else private.

    It sits outside the session, CSRF and messages middleware, so it sees the cookies they
    set on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = PUBLIC if is_public_response(request, response) else PRIVATE
        return response
