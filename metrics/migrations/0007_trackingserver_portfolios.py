"""Tracking servers name the portfolios that may use them; an empty set means no portfolio.

Servers registered before keep serving the portfolios whose projects already link them, and no others:
staff grant any further portfolio (admin or API)."""

from django.db import migrations, models


def grant_servers_to_linking_portfolios(apps, schema_editor):
    server_model = apps.get_model("metrics", "TrackingServer")
    experiment_link = apps.get_model("metrics", "ExperimentLink")
    model_link = apps.get_model("metrics", "RegisteredModelLink")
    through = server_model.portfolios.through
    pairs = set(experiment_link.objects.values_list("server_id", "project__portfolio_id"))
    pairs |= set(model_link.objects.values_list("server_id", "project__portfolio_id"))
    through.objects.bulk_create(
        [through(trackingserver_id=server_id, portfolio_id=portfolio_id) for server_id, portfolio_id in sorted(pairs)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0006_rag_override"),
        ("portfolio", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="trackingserver",
            name="portfolios",
            field=models.ManyToManyField(
                blank=True,
                help_text="Portfolios whose projects may browse and link this server; none when empty.",
                related_name="mlflow_servers",
                to="portfolio.portfolio",
            ),
        ),
        migrations.RunPython(grant_servers_to_linking_portfolios, migrations.RunPython.noop),
    ]
