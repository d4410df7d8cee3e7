"""Settings for the benchmark only: the app's settings plus a URLconf with the floor page."""

from prevent_compliance.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
