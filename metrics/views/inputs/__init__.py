"""The portfolio input pages of a project (hub, one page per input, row actions) and the portfolio's capacity.

Views are thin: forms shape the input, ``metrics.services.portfolio`` decides and audits, and a refusal
(DomainError) comes back as form errors. Read-only roles see every list but no form; outsiders get 404.
"""
