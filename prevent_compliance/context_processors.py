from django.conf import settings

from prevent_compliance.models import get_organisation


def site(request):
    """Values every page template needs."""
    return {
        "service_name": "Prevent Compliance",
        "organisation": get_organisation(),
        "upload_max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    }
