"""Seed the standard artifact types, and make the audit table append-only on PostgreSQL.

The trigger is plain SQL so that no tool is needed to read it. On SQLite (the demo) the
application's guarantee stands alone: no code path updates or deletes an audit record.
"""

from django.db import migrations

PROTECT_AUDIT_SQL = """
CREATE OR REPLACE FUNCTION lifecycle_auditrecord_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lifecycle_auditrecord_append_only
    BEFORE UPDATE OR DELETE ON lifecycle_auditrecord
    FOR EACH ROW EXECUTE FUNCTION lifecycle_auditrecord_refuse_change();
"""

UNPROTECT_AUDIT_SQL = """
DROP TRIGGER IF EXISTS lifecycle_auditrecord_append_only ON lifecycle_auditrecord;
DROP FUNCTION IF EXISTS lifecycle_auditrecord_refuse_change();
"""


def protect_audit(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PROTECT_AUDIT_SQL, params=None)


def unprotect_audit(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNPROTECT_AUDIT_SQL)


def seed_artifact_types(apps, schema_editor):
    from lifecycle.catalog import STANDARD_ARTIFACT_TYPES

    ArtifactType = apps.get_model("lifecycle", "ArtifactType")
    for slug, name, description in STANDARD_ARTIFACT_TYPES:
        ArtifactType.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0002_initial")]

    operations = [
        migrations.RunPython(seed_artifact_types, migrations.RunPython.noop),
        migrations.RunPython(protect_audit, unprotect_audit),
    ]
