"""The audit trail in the interface: a History page for any record, and the site-wide log.

Apps say which of their models have a History page in an ``audit.py`` module (found the way
``admin.py`` is), for example in ``decisions/audit.py``::

    from prevent_compliance.audit.registry import register_history
    from .models import Decision

    register_history("decision", Decision, view_perm="decisions.view_decision",
                     lookup="reference")

and link to it from the record's page with ``{% load audit %}{{ decision|history_url }}``.
The History page shows who changed what and when, field by field; the audit log at /audit/
lists every history row of every model, for auditors and administrators.

``registry`` (which records have a History page), ``diff`` (one record's changes, field by
field), ``selectors`` (the history and log queries), ``forms`` (the log filter), ``views``
and ``urls``. This package is the prevent_compliance app's own ``audit`` module as well, so
importing it registers the app's records (``account_records``).
"""

from . import account_records  # noqa: F401  (the app's own records, as decisions/audit.py does)
