"""Development data: demonstration records and scale data. Not part of the product.

The wheel does not ship this package (``pyproject.toml`` excludes it), so a production install
has no demo users with a known password and no generator of made-up records. The management
commands that use it (``load_demo``, ``generate_scale_data``) import it only when they run and
refuse with a clear message when it is absent.

- ``files``: tiny generated files (a one-page PDF, small CSV and text files).
- ``toolkit_demo`` and ``decisions_demo``: the records ``manage.py load_demo`` adds.
- ``wpcc4_0028``: the real published decision record WPCC4-0028, used by the demo and the tests.
- ``scale``: ``manage.py generate_scale_data``, realistic volume for performance work.
"""
