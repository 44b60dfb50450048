"""Bulk CSV import: the kinds on offer, the upload, and the preview or result it answers."""

from rest_framework import serializers


class ImportColumnSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    required = serializers.BooleanField(read_only=True)
    help = serializers.CharField(read_only=True, allow_blank=True)
    example = serializers.CharField(read_only=True, allow_blank=True)


class ImportKindSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True, help_text="The slug to POST to: /api/v1/imports/{kind}/.")
    label = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, allow_blank=True)
    scope = serializers.CharField(read_only=True, help_text="What `scope` names: project, team, product, ...")
    columns = ImportColumnSerializer(many=True, read_only=True)
    example_csv = serializers.CharField(read_only=True)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file (UTF-8, header row first).")
    scope = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="Id of the kind's scope object.")
    dry_run = serializers.BooleanField(
        default=True, help_text="true (default): preview only, nothing is written. false: import."
    )
    skip_invalid = serializers.BooleanField(
        default=False, help_text="Import the valid rows and leave the invalid ones out (otherwise all or nothing)."
    )
    sprint_dates = serializers.JSONField(
        binary=True,  # a multipart field holds the JSON as text
        required=False,
        help_text='jira-issues: the dates of the sprints the team does not have yet, as JSON: {"Sprint 3": '
        '{"start": "2026-11-02", "end": "2026-11-13"}}. Without them a file naming a new sprint is refused (400) '
        "and `errors.sprint_dates` names each sprint lacking dates.",
    )


class ImportRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(read_only=True, help_text="Line in the file (the header is line 1).")
    message = serializers.CharField(read_only=True)
    fields = serializers.DictField(child=serializers.CharField(), read_only=True)


class ImportPreviewSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    scope = serializers.IntegerField(read_only=True)
    dry_run = serializers.BooleanField(read_only=True)
    total = serializers.IntegerField(read_only=True, help_text="Data rows in the file.")
    left_out = serializers.IntegerField(read_only=True, help_text="Rows this kind does not import (e.g. Jira epics).")
    left_out_note = serializers.CharField(read_only=True, help_text="Why they were left out; blank when none.")
    importable = serializers.IntegerField(read_only=True, help_text="Rows the services accept.")
    errors = ImportRowErrorSerializer(many=True, read_only=True)


class ImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    scope = serializers.IntegerField(read_only=True)
    dry_run = serializers.BooleanField(read_only=True)
    total = serializers.IntegerField(read_only=True)
    left_out = serializers.IntegerField(read_only=True, help_text="Rows this kind does not import (e.g. Jira epics).")
    left_out_note = serializers.CharField(read_only=True, help_text="Why they were left out; blank when none.")
    imported = serializers.IntegerField(read_only=True)
    skipped = serializers.IntegerField(read_only=True, help_text="Invalid rows left out (skip_invalid).")
    errors = ImportRowErrorSerializer(many=True, read_only=True)
