"""E-mail at each workflow step, sent by the background worker from an outbox.

    models.py     Notification (the outbox), NotificationPreference (immediate or daily
                  digest), LastVisit (when a user last saw their dashboard)
    services.py   notifications_queue (called inside a step's transaction), notification_send
                  (the worker's retrying send), digests_send, preference_set, visit_record
    tasks.py      the django-tasks job that sends one queued notification
    selectors.py  a user's preference and outbox
    forms.py, views.py, urls.py   the preferences page at /accounts/notifications/

Its tables belong to the prevent_compliance app (migrations 0006_notifications onwards).
Apps decide who is told what; this package knows no app (decisions/notify.py builds the
decision messages).
"""
