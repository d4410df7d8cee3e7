"""Accounts: sign-in and lockout, two-factor authentication, and changes to roles and passwords.

``views`` and ``urls`` (sign-in, the authenticator app pages), ``forms``, ``two_factor`` (who
needs a code, and the guard for views that approve, sign or administer), ``enrolment`` (setting
up an authenticator app), ``middleware`` (idle sessions, a code before every page),
``backends`` (lockout, the admin's model permissions), ``services`` (role grants and the
safeguards after a password reset) and ``signals`` (every account change in the audit log).
"""
