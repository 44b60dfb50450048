"""projects/{id}/artifacts/: status of required types, multipart upload, links, waivers, downloads."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lifecycle.models import ArtifactVersion, ArtifactWaiver, AuditRecord

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(project) -> str:
    return f"/api/v1/projects/{project.pk}/artifacts/"


def test_overview_lists_required_types_with_their_status(pm_client, project, artifact_version, people):
    from lifecycle import services
    from tests.factories import artifact_type

    services.artifact_waive(
        actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason="One source"
    )
    response = pm_client.get(url(project))
    assert response.status_code == 200
    body = response.json()
    assert body["phase"] == "charter"
    assert {row["artifact_type"]["slug"]: row["availability"] for row in body["required"]} == {
        "project-charter": "provided",
        "ssot": "waived",
        "data-sources": "missing",
        "data-dictionary": "missing",
        "project-repository": "missing",
    }
    assert next(r for r in body["required"] if r["availability"] == "waived")["waiver_reason"] == "One source"
    [artifact] = body["artifacts"]
    assert artifact["artifact_type"]["slug"] == "project-charter"
    [version] = artifact["versions"]
    assert (version["number"], version["kind"], version["original_filename"]) == (1, "upload", "charter.md")
    assert version["download_url"] == f"/api/v1/artifact-versions/{artifact_version.pk}/download/"


def test_multipart_upload_creates_a_version(client_for, project):
    client = client_for("ds")
    upload = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    response = client.post(
        url(project), {"artifact_type": "data-sources", "file": upload, "note": "v1"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["kind"], body["content_type"], body["size"], body["note"]) == (
        1,
        "upload",
        "application/pdf",
        len(PDF),
        "v1",
    )
    second = client.post(
        url(project), {"artifact_type": "data-sources", "file": SimpleUploadedFile("r2.pdf", PDF)}, format="multipart"
    )
    assert second.json()["number"] == 2
    assert ArtifactVersion.objects.filter(artifact__project=project).count() == 2


def test_link_version(pm_client, project):
    response = pm_client.post(
        url(project), {"artifact_type": "project-repository", "url": "https://git.example.com/aml"}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["url"]) == ("link", "https://git.example.com/aml")


def test_upload_too_large_is_400_and_creates_nothing(pm_client, project, settings, unchanged):
    settings.ARTIFACT_MAX_UPLOAD_BYTES = 10
    with unchanged():
        response = pm_client.post(
            url(project),
            {"artifact_type": "data-sources", "file": SimpleUploadedFile("big.md", b"# " + b"x" * 50)},
            format="multipart",
        )
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": "Too large."}
    assert ArtifactVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [("fake.pdf", b"MZ\x90\x00 this is an executable"), ("notes.md", b"\x00\x01binary\xff"), ("tool.exe", b"MZ")],
)
def test_upload_with_wrong_content_is_400_and_creates_nothing(pm_client, project, name, content, unchanged):
    with unchanged():
        response = pm_client.post(
            url(project),
            {"artifact_type": "data-sources", "file": SimpleUploadedFile(name, content)},
            format="multipart",
        )
    assert response.status_code == 400
    assert response.json()["errors"]["file"] in {"Content does not match the extension.", "Type not allowed."}
    assert ArtifactVersion.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"artifact_type": "no-such-type", "url": "https://x.example"},
        {"artifact_type": "data-sources"},
        {"artifact_type": "data-sources", "url": "ftp://x.example"},
        {"artifact_type": "data-sources", "url": "https://x.example/" + "a" * 600},
    ],
)
def test_invalid_upload_requests_are_400(pm_client, project, body, unchanged):
    with unchanged():
        response = pm_client.post(url(project), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_empty_file_is_400(pm_client, project, unchanged):
    with unchanged():
        response = pm_client.post(
            url(project), {"artifact_type": "data-sources", "file": io.BytesIO(b"")}, format="multipart"
        )
    assert response.status_code == 400


def test_waive(exec_client, project):
    response = exec_client.post(
        f"{url(project)}waive/", {"artifact_type": "ssot", "reason": "CRM is it"}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["artifact_type"]["slug"], response.json()["reason"]) == ("ssot", "CRM is it")
    assert ArtifactWaiver.objects.get(project=project).phase == "charter"
    again = exec_client.post(f"{url(project)}waive/", {"artifact_type": "ssot", "reason": "twice"}, format="json")
    assert again.status_code == 409


def test_waive_refusals(exec_client, project, unchanged):
    for body in (
        {"artifact_type": "model-report", "reason": "not required now"},
        {"artifact_type": "ssot", "reason": ""},
        {"artifact_type": "nope", "reason": "x"},
    ):
        with unchanged():
            assert exec_client.post(f"{url(project)}waive/", body, format="json").status_code == 400


def test_download_streams_the_file_as_an_attachment(client_for, artifact_version):
    for role in ("pm", "exec", "ds", "architect"):
        response = client_for(role).get(f"/api/v1/artifact-versions/{artifact_version.pk}/download/")
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="charter.md"'
        assert b"".join(response.streaming_content) == b"# Charter\n"


def test_download_of_a_link_redirects(pm_client, project):
    created = pm_client.post(
        url(project), {"artifact_type": "project-repository", "url": "https://git.example.com/aml"}, format="json"
    ).json()
    response = pm_client.get(created["download_url"])
    assert response.status_code == 302
    assert response["Location"] == "https://git.example.com/aml"


def test_version_detail(pm_client, artifact_version):
    response = pm_client.get(f"/api/v1/artifact-versions/{artifact_version.pk}/")
    assert response.status_code == 200
    assert response.json()["sha256"] == artifact_version.sha256


def test_upload_is_audited(pm_client, project):
    pm_client.post(url(project), {"artifact_type": "ssot", "url": "https://wiki.example/ssot"}, format="json")
    assert AuditRecord.objects.get(action="artifact.add_version").after["artifact_type"] == "ssot"


def test_download_asking_for_octet_stream(client_for, artifact_version):
    url = f"/api/v1/artifact-versions/{artifact_version.pk}/download/"
    ok = client_for("pm").get(url, HTTP_ACCEPT="application/octet-stream")
    assert ok.status_code == 200
    assert b"".join(ok.streaming_content) == b"# Charter\n"
    refused = client_for("outsider").get(url, HTTP_ACCEPT="application/octet-stream")
    assert refused.status_code == 404
    assert refused.content == b'{"code": "not_found", "detail": "Not found."}'
