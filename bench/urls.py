"""The app's URLs plus the benchmark's floor page, which production never routes."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from prevent_compliance.urls import urlpatterns as app_urlpatterns


@require_GET
def floor(request):
    """A bare signed-in page: the middleware, the session, the user and base.html, no data."""
    return render(request, "base.html", {})


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *app_urlpatterns]
