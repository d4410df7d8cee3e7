"""Accounts: sign-in and lockout, two-factor authentication, passwords, and managing users.

``views`` and ``urls`` (sign-in, the authenticator app pages, changing a password and the
forgotten-password pages), ``users`` and ``user_urls`` (/users/ for administrators),
``forms``, ``two_factor`` (who needs a code, the guard for views that approve, sign or
administer, and the wrong-code allowance), ``enrolment`` (setting up an authenticator app),
``middleware`` (idle sessions, a code before every page), ``backends`` (lockout, the admin's
model permissions), ``services`` (passwords, users, role grants and the safeguards after a
password reset), ``selectors`` (the users list), ``tokens`` (the e-mailed links), ``limits``
(how often a link may be asked for), ``tasks`` (the e-mails, sent by the worker),
``permissions`` (who manages users) and ``signals`` (every account change in the audit log).
"""
