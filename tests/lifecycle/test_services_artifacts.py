"""artifact_add_version, artifact_waive and artifacts_missing_for_gate."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings

from lifecycle import services
from lifecycle.choices import ArtifactKind, Phase, RaciRole
from lifecycle.models import Artifact, ArtifactType, ArtifactVersion, ArtifactWaiver, AuditRecord
from lifecycle.services.artifacts import required_artifact_slugs
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from tests.factories import artifact_type
from tests.lifecycle.files import ELF, EXE, PDF, PNG
from tests.lifecycle.service_helpers import gate_activity, pass_gate, put_on_hold, refused, stored_files, upload

CHARTER_REQUIRED = ["data-dictionary", "data-sources", "project-charter", "project-repository", "ssot"]


def add(actor, project, slug="project-charter", **kwargs):
    return services.artifact_add_version(actor=actor, project=project, artifact_type=artifact_type(slug), **kwargs)


def missing_slugs(project, phase=None):
    return [t.slug for t in services.artifacts_missing_for_gate(project, phase)]


class TestAddVersion:
    def test_uploads_of_the_same_artifact_are_versions_1_2_3(self, project, people):
        versions = [
            add(people["pm"], project, upload=upload(f"charter-v{n}.md", f"# Charter v{n}\n".encode()), note=f"v{n}")
            for n in (1, 2, 3)
        ]
        assert [v.number for v in versions] == [1, 2, 3]
        artifact = Artifact.objects.get(project=project)
        assert (artifact.artifact_type.slug, artifact.phase) == ("project-charter", Phase.CHARTER)
        assert list(artifact.versions.values_list("number", "original_filename", "note")) == [
            (3, "charter-v3.md", "v3"),
            (2, "charter-v2.md", "v2"),
            (1, "charter-v1.md", "v1"),
        ]
        for version in versions:  # history kept: every file is still readable
            number = version.number
            with version.file.open("rb") as stored:
                assert stored.read() == f"# Charter v{number}\n".encode()

    def test_an_upload_records_its_metadata(self, project, people):
        content = "# Charter\nÉquipe\n".encode()
        version = ArtifactVersion.objects.get(
            pk=add(people["ds"], project, upload=upload("Charter Final.md", content)).pk
        )
        assert version.kind == ArtifactKind.UPLOAD
        assert (version.original_filename, version.content_type) == ("Charter Final.md", "text/markdown")
        assert (version.size, version.sha256) == (len(content), hashlib.sha256(content).hexdigest())
        assert (version.url, version.created_by) == ("", people["ds"])

    def test_files_are_stored_under_random_names_in_the_media_root(self, project, people):
        first = add(people["pm"], project, upload=upload("secret-plan.md", b"# a\n"))
        second = add(people["pm"], project, upload=upload("secret-plan.md", b"# b\n"))
        for version in (first, second):
            assert re.fullmatch(rf"artifacts/{project.pk}/[0-9a-f]{{32}}\.md", version.file.name)
            assert "secret" not in version.file.name
            path = Path(version.file.path).resolve()
            assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
            assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
        assert first.file.name != second.file.name
        assert stored_files() == sorted([first.file.name, second.file.name])

    def test_a_link_is_a_version_too(self, project, people):
        add(people["pm"], project, "project-repository", upload=upload("repo.md", b"see git\n"))
        version = add(people["pm"], project, "project-repository", url=" https://git.example.com/aml/churn ")
        version = ArtifactVersion.objects.get(pk=version.pk)
        assert (version.number, version.kind, version.url) == (
            2,
            ArtifactKind.LINK,
            "https://git.example.com/aml/churn",
        )
        assert (version.file.name, version.original_filename, version.sha256) == ("", "", "")
        assert version.display_name == "https://git.example.com/aml/churn"

    def test_each_version_writes_one_audit_record(self, project, people):
        before = AuditRecord.objects.count()
        version = add(people["ds"], project, upload=upload("c.md", b"# c\n"), note="  first cut  ")
        assert AuditRecord.objects.count() == before + 1
        record = AuditRecord.objects.latest("id")
        assert (record.action, record.actor, record.project, record.reason) == (
            "artifact.add_version",
            people["ds"],
            project,
            "first cut",
        )
        assert (record.target_type, record.target_id) == ("lifecycle.artifactversion", str(version.pk))
        assert record.before is None
        assert record.after == {
            "artifact_type": "project-charter",
            "phase": "charter",
            "number": 1,
            "kind": "upload",
            "name": "c.md",
            "sha256": hashlib.sha256(b"# c\n").hexdigest(),
        }

    @pytest.mark.parametrize("who", ["pm", "ds", "architect", "product"])
    def test_managers_and_contributors_add(self, project, people, who):
        assert add(people[who], project, url="https://wiki.example.com/charter").number == 1

    @pytest.mark.parametrize("who", ["exec", "outsider"])
    def test_others_are_refused(self, project, people, who):
        with refused(NotAllowed):
            add(people[who], project, upload=upload("c.md", b"# c\n"))

    def test_a_project_on_hold_is_frozen(self, project, people):
        put_on_hold(project, people["pm"], people["exec"])
        with refused(TransitionNotAllowed):
            add(people["pm"], project, "project-charter", upload=upload("c.md", b"# late\n"))

    def test_both_a_file_and_a_link_are_refused(self, project, people):
        with refused(ValidationFailed):
            add(people["pm"], project, upload=upload("c.md", b"# c\n"), url="https://example.com/c")

    @pytest.mark.parametrize("url", ["", "   "])
    def test_neither_a_file_nor_a_link_is_refused(self, project, people, url):
        with refused(ValidationFailed):
            add(people["pm"], project, url=url)

    @pytest.mark.parametrize(
        "url", ["not a url", "ftp://files.example.com/c.pdf", "javascript:alert(1)", "https://example.com/" + "a" * 500]
    )
    def test_invalid_links_are_refused(self, project, people, url):
        with refused(ValidationFailed) as caught:
            add(people["pm"], project, url=url)
        assert set(caught.value.details) == {"url"}

    def test_a_file_over_the_size_limit_is_refused_and_not_stored(self, project, people, settings):
        settings.ARTIFACT_MAX_UPLOAD_BYTES = 100
        assert add(people["pm"], project, upload=upload("ok.txt", b"x" * 100)).size == 100
        with refused(ValidationFailed) as caught:
            add(people["pm"], project, upload=upload("big.txt", b"x" * 101))
        assert caught.value.details == {"file": "Too large."}

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("charter.pdf", PNG),  # a PNG renamed .pdf
            ("data.csv", ELF),  # an ELF binary renamed .csv
            ("data.csv", EXE),  # a Windows executable renamed .csv
            ("notes.txt", b"\x00\x01binary\xff"),
            ("tool.exe", EXE),
            ("empty.md", b""),
        ],
    )
    def test_bad_files_are_refused_and_nothing_is_stored(self, project, people, name, content):
        with refused(ValidationFailed):
            add(people["pm"], project, upload=upload(name, content))
        assert stored_files() == []

    def test_a_real_pdf_is_accepted(self, project, people):
        assert add(people["pm"], project, upload=upload("charter.pdf", PDF)).content_type == "application/pdf"

    def test_a_failing_save_removes_the_stored_file(self, project, people, monkeypatch):
        from lifecycle.services import artifacts as module

        def broken_audit(*args, **kwargs):
            raise RuntimeError("audit store down")

        monkeypatch.setattr(module, "_audit_new_version", broken_audit)
        with refused(RuntimeError):
            add(people["pm"], project, upload=upload("c.md", b"# c\n"))
        assert stored_files() == []

    def test_versions_belong_to_the_current_phase(self, project, people):
        pass_gate(project, people["pm"], people["exec"])
        version = add(people["pm"], project, "model-report", url="https://wiki.example.com/model")
        assert version.artifact.phase == Phase.EXPLORATION
        # The same type in a later phase is a new artifact, numbered from 1.
        assert Artifact.objects.filter(project=project, artifact_type__slug="model-report").count() == 1


class TestWaiver:
    def test_the_gates_accountable_waives_a_required_artifact(self, project, people):
        waiver = services.artifact_waive(
            actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason="  One source only  "
        )
        waiver = ArtifactWaiver.objects.get(pk=waiver.pk)
        assert (waiver.phase, waiver.reason, waiver.waived_by) == (Phase.CHARTER, "One source only", people["exec"])
        assert "ssot" not in missing_slugs(project)
        record = AuditRecord.objects.latest("id")
        assert (record.action, record.actor, record.reason) == ("artifact.waive", people["exec"], "One source only")
        assert record.after == {"artifact_type": "ssot", "phase": "charter"}

    @pytest.mark.parametrize("who", ["pm", "ds", "architect", "product", "outsider"])
    def test_only_the_accountable_waives(self, project, people, who):
        with refused(NotAllowed):
            services.artifact_waive(actor=people[who], project=project, artifact_type=artifact_type("ssot"), reason="x")

    def test_a_consulted_reviewer_cannot_waive(self, project, people):
        services.raci_update(
            actor=people["pm"],
            project=project,
            assignments={gate_activity(project).pk: {people["ds"].pk: RaciRole.CONSULTED}},
        )
        with refused(NotAllowed):
            services.artifact_waive(
                actor=people["ds"], project=project, artifact_type=artifact_type("ssot"), reason="x"
            )

    def test_the_waiver_right_follows_the_raci(self, project, people):
        services.raci_update(
            actor=people["pm"],
            project=project,
            assignments={
                gate_activity(project).pk: {people["exec"].pk: None, people["architect"].pk: RaciRole.ACCOUNTABLE}
            },
        )
        with refused(NotAllowed):
            services.artifact_waive(
                actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason="x"
            )
        services.artifact_waive(
            actor=people["architect"], project=project, artifact_type=artifact_type("ssot"), reason="x"
        )
        assert ArtifactWaiver.objects.get(project=project).waived_by == people["architect"]

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_a_reason_is_required(self, project, people, reason):
        with refused(ValidationFailed) as caught:
            services.artifact_waive(
                actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason=reason
            )
        assert caught.value.details == {"reason": "Required."}

    @pytest.mark.parametrize("slug", ["data-report", "model-report", "closure-report"])
    def test_only_types_required_in_the_phase_can_be_waived(self, project, people, slug):
        with refused(ValidationFailed):
            services.artifact_waive(
                actor=people["exec"], project=project, artifact_type=artifact_type(slug), reason="x"
            )

    def test_a_type_is_waived_once_per_phase(self, project, people):
        services.artifact_waive(actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason="x")
        with refused(TransitionNotAllowed):
            services.artifact_waive(
                actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason="y"
            )

    def test_no_waiver_on_a_project_on_hold(self, project, people):
        put_on_hold(project, people["pm"], people["exec"])
        with refused(TransitionNotAllowed):
            services.artifact_waive(
                actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason="x"
            )


class TestMissingForGate:
    def test_a_new_project_misses_every_required_charter_artifact(self, project):
        assert sorted(missing_slugs(project)) == CHARTER_REQUIRED
        names = [t.name for t in services.artifacts_missing_for_gate(project)]
        assert names == sorted(names)

    def test_provided_and_waived_types_are_no_longer_missing(self, project, people):
        add(people["pm"], project, "project-charter", url="https://wiki.example.com/charter")
        services.artifact_waive(actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason="x")
        assert sorted(missing_slugs(project)) == ["data-dictionary", "data-sources", "project-repository"]

    def test_other_phases_are_judged_on_their_own_artifacts(self, project, people):
        add(people["pm"], project, "project-charter", url="https://wiki.example.com/charter")
        assert sorted(missing_slugs(project, Phase.EXPLORATION)) == ["data-pipeline-architecture", "data-report"]
        assert sorted(missing_slugs(project, Phase.DEPLOYMENT)) == [
            "health-dashboard",
            "model-report",
            "solution-architecture",
        ]

    def test_an_admin_can_make_a_type_required_in_a_phase(self, project, people):
        ArtifactType.objects.create(slug="privacy-approval", name="Privacy approval", required_phases=["charter"])
        assert "privacy-approval" in required_artifact_slugs(Phase.CHARTER)
        assert "privacy-approval" not in required_artifact_slugs(Phase.MODELING)
        assert "privacy-approval" in missing_slugs(project)
        waiver = services.artifact_waive(
            actor=people["exec"],
            project=project,
            artifact_type=ArtifactType.objects.get(slug="privacy-approval"),
            reason="No personal data",
        )
        assert waiver.artifact_type.slug == "privacy-approval"
