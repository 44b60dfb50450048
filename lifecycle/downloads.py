"""Serve an artifact file as an attachment. Callers check visibility first; this only streams."""

from django.http import FileResponse, Http404, HttpResponseRedirect

from lifecycle.choices import ArtifactKind
from lifecycle.models import ArtifactVersion


def artifact_version_response(version: ArtifactVersion) -> FileResponse | HttpResponseRedirect:
    if version.kind == ArtifactKind.LINK:
        return HttpResponseRedirect(version.url)
    try:
        handle = version.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=version.original_filename, content_type=version.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
