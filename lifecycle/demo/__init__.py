"""Demo data for `manage.py seed_demo`: a realistic organization and projects walked through their
lifecycle by the real services, so every row carries its audit trail. Never used in production."""
