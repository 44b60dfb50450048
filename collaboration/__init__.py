"""Who owes what, and who is told: the events every audited change emits (a transactional outbox), notifications
in the portal and by email, each person's inbox, comments with @mentions, and signed outgoing webhooks.

The top layer: it reads lifecycle and metrics and takes part in their writes only through hooks
(``lifecycle.hooks.audit_recorded``), installed by ``CollaborationConfig.ready``. One module per area:
``events``, ``notifications``, ``inbox`` (and later ``comments``, ``webhooks``).
"""
