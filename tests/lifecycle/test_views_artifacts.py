"""Artifacts page: status per phase, upload or link, waive, and the permission-checked download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lifecycle import services
from lifecycle.models import ArtifactVersion, ArtifactWaiver, AuditRecord
from tests.factories import artifact_type

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(str(path) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _upload(client, project, **fields):
    payload = {"artifact_type": str(artifact_type("project-charter").pk), "note": "", "url": ""}
    payload.update(fields)
    return client.post(reverse("project-artifacts", args=[project.pk]), payload)


@pytest.mark.parametrize("who", ["pm", "exec", "ds", "architect", "product"])
def test_page_renders_for_members(client, people, project, who):
    html = _as(client, people[who]).get(reverse("project-artifacts", args=[project.pk])).content.decode()
    assert "Project charter" in html and "Missing" in html
    assert ('enctype="multipart/form-data"' in html) is (who != "exec")


def test_page_404_for_outsider_and_login_for_anonymous(client, people, project):
    url = reverse("project-artifacts", args=[project.pk])
    assert client.get(url).status_code == 302
    assert _as(client, people["outsider"]).get(url).status_code == 404


@pytest.mark.parametrize("who", ["pm", "ds", "architect"])
def test_contributors_upload_a_file(client, people, project, who, settings):
    file = SimpleUploadedFile("charter.md", b"# Charter\nObjective: reduce churn.\n")
    response = _upload(_as(client, people[who]), project, file=file, note="First draft")
    assert response.status_code == 302
    version = ArtifactVersion.objects.get()
    assert (version.number, version.original_filename, version.note, version.created_by) == (
        1,
        "charter.md",
        "First draft",
        people[who],
    )
    html = client.get(reverse("project-artifacts", args=[project.pk])).content.decode()
    assert reverse("artifact-download", args=[version.pk]) in html
    assert version.sha256[:12] in html
    assert len(_stored_files(settings)) == 1


def test_a_link_is_a_version_too(client, people, project):
    client = _as(client, people["pm"])
    _upload(client, project, url="https://git.example.com/aml/churn")
    _upload(client, project, url="https://git.example.com/aml/churn-v2")
    assert list(ArtifactVersion.objects.order_by("number").values_list("number", "url")) == [
        (1, "https://git.example.com/aml/churn"),
        (2, "https://git.example.com/aml/churn-v2"),
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"file": SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf")}, "is not a .pdf file"),
        ({"file": SimpleUploadedFile("tool.exe", b"MZ\x90\x00")}, "Files of type &#x27;.exe&#x27; are not accepted."),
        ({"file": SimpleUploadedFile("empty.md", b"")}, "The submitted file is empty."),
        ({"url": "javascript:alert(1)"}, "The link must be a full http(s) URL."),
        ({}, "Give either a file or a link, not both and not neither."),
        (
            {"file": SimpleUploadedFile("a.md", b"# A"), "url": "https://example.com"},
            "Give either a file or a link, not both and not neither.",
        ),
        ({"artifact_type": "9999"}, "Select a valid choice."),
    ],
)
def test_upload_validation_errors_are_shown_and_nothing_is_stored(client, people, project, settings, fields, message):
    response = _upload(_as(client, people["pm"]), project, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ArtifactVersion.objects.count() == 0
    assert _stored_files(settings) == []
    assert not AuditRecord.objects.filter(action="artifact.add_version").exists()


def test_upload_over_the_size_limit_is_refused(client, people, project, settings):
    settings.ARTIFACT_MAX_UPLOAD_BYTES = 10
    response = _upload(_as(client, people["pm"]), project, file=SimpleUploadedFile("big.md", b"x" * 11))
    assert "the limit is" in response.content.decode()
    assert ArtifactVersion.objects.count() == 0
    assert _stored_files(settings) == []


def test_executive_cannot_upload(client, people, project, settings):
    response = _upload(_as(client, people["exec"]), project, file=SimpleUploadedFile("c.md", b"# C"))
    assert response.status_code == 200
    assert "You cannot add artifacts to this project." in response.content.decode()
    assert ArtifactVersion.objects.count() == 0
    assert _stored_files(settings) == []


def test_outsider_cannot_upload_or_download(client, people, project, settings):
    version = services.artifact_add_version(
        actor=people["pm"],
        project=project,
        artifact_type=artifact_type("ssot"),
        upload=SimpleUploadedFile("s.md", b"# S"),
    )
    client = _as(client, people["outsider"])
    assert _upload(client, project, file=SimpleUploadedFile("c.md", b"# C")).status_code == 404
    assert client.get(reverse("artifact-download", args=[version.pk])).status_code == 404
    assert ArtifactVersion.objects.count() == 1


@pytest.mark.parametrize("who", ["pm", "exec", "ds", "architect", "product"])
def test_members_download_as_attachment(client, people, project, who):
    version = services.artifact_add_version(
        actor=people["pm"],
        project=project,
        artifact_type=artifact_type("ssot"),
        upload=SimpleUploadedFile("s.md", b"# S"),
    )
    response = _as(client, people[who]).get(reverse("artifact-download", args=[version.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="s.md"'
    assert b"".join(response.streaming_content) == b"# S"


def test_download_requires_login_and_unknown_is_404(client, people, project):
    assert client.get(reverse("artifact-download", args=[1])).status_code == 302
    assert _as(client, people["pm"]).get(reverse("artifact-download", args=[424242])).status_code == 404


def test_accountable_waives_with_reason(client, people, project):
    client = _as(client, people["exec"])
    html = client.get(reverse("project-artifacts", args=[project.pk])).content.decode()
    assert "Waive this requirement" in html
    ssot = artifact_type("ssot")
    response = client.post(
        reverse("artifact-waive", args=[project.pk]), {"artifact_type": ssot.pk, "reason": "Single system"}
    )
    assert response.status_code == 302
    waiver = ArtifactWaiver.objects.get()
    assert (waiver.artifact_type, waiver.reason, waiver.waived_by) == (ssot, "Single system", people["exec"])


def test_waiver_needs_a_reason(client, people, project):
    response = _as(client, people["exec"]).post(
        reverse("artifact-waive", args=[project.pk]), {"artifact_type": artifact_type("ssot").pk, "reason": ""}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert ArtifactWaiver.objects.count() == 0


@pytest.mark.parametrize("who", ["pm", "ds", "architect", "product"])
def test_only_the_accountable_waives(client, people, project, who):
    client = _as(client, people[who])
    assert "Waive this requirement" not in client.get(reverse("project-artifacts", args=[project.pk])).content.decode()
    response = client.post(
        reverse("artifact-waive", args=[project.pk]), {"artifact_type": artifact_type("ssot").pk, "reason": "Because"}
    )
    assert response.status_code == 302
    assert ArtifactWaiver.objects.count() == 0
    assert not AuditRecord.objects.filter(action="artifact.waive").exists()


@pytest.mark.parametrize(
    "payload", [{}, {"artifact_type": "abc", "reason": "x"}, {"artifact_type": "99999", "reason": "x"}]
)
def test_waive_bad_input_is_not_a_500(client, people, project, payload):
    response = _as(client, people["exec"]).post(reverse("artifact-waive", args=[project.pk]), payload)
    assert response.status_code == 200
    assert ArtifactWaiver.objects.count() == 0


def test_waive_not_required_type_is_refused(client, people, project):
    response = _as(client, people["exec"]).post(
        reverse("artifact-waive", args=[project.pk]),
        {"artifact_type": artifact_type("model-report").pk, "reason": "Not now"},
        follow=True,
    )
    assert "is not required in the Charter phase" in response.content.decode()
    assert ArtifactWaiver.objects.count() == 0
