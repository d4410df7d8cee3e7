"""Realistic volume for performance work: ``manage.py generate_scale_data --factor N``.

Factor 1 is ten years of one OPCC: 10 review periods, about 2,000 evidence items with small
files, about 1,000 actions, about 800 decisions in every workflow state with their supporting
sections and some appendices, 30 users with roles, and the history of all of it.

The data is built in units of one such decade. Periods, ratings and sign-offs, and a few
evidence items, actions and decisions in every unit, go through the same services as the app.
The bulk of the rows is written with ``bulk_create_with_history`` so every row still has its
history record (and, for many-to-many fields, the historical link rows a service would write).
Files are written through Django's storage API only. Running with a higher factor adds the
missing units; running again with the same factor refuses.

One module per kind of record: ``users``, ``periods``, ``evidence``, ``actions``,
``decision_records`` (with one builder per workflow state in ``decision_states``); the shared
pieces (the unit, the progress bar, bulk-write helpers) are in ``common``.
"""

from .common import PER_UNIT, USER_PREFIX
from .generator import AlreadyGenerated, generate, units_present

__all__ = ["PER_UNIT", "USER_PREFIX", "AlreadyGenerated", "generate", "units_present"]
