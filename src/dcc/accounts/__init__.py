"""Accounts and authorisation (issue 5, docs/accounts.md): agencies, users and roles, login
with argon2id passwords, expiring sessions with CSRF tokens, API tokens, and the one rule
deciding who reads what (TLP 2.0 markings with owner agencies and share lists).

The same shape as every domain package:
- pure: records.py, checks.py, policies.py, passwords.py, tokens.py, csrf.py and access.py
  (can_read / explain_access for one object, visible_filter for SQL queries);
- queries.py (reads: users, agencies, resolve_session, resolve_api_token, share lists);
- the only writers: actions.py (agencies, users), signin.py (do_login, sessions, API tokens)
  and sharing.py (do_share, do_unshare), all importable from actions.py;
- serialize.py: records as JSON, never a hash or a secret.
"""
