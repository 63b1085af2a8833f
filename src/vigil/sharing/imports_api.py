"""JSON API of STIX import: a bundle in (the request body, or a file upload), what became of it
out; the import's record later, for its importer and the organisation's coordinators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from vigil.core.config import Settings
from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.middleware import body_limit
from vigil.sharing import imports
from vigil.sharing.import_bundle import refuse
from vigil.sharing.import_schemas import StixImportRead

router = APIRouter(prefix="/api/v1/sharing/stix", tags=["sharing"])

# Room for the multipart boundaries and headers around an uploaded bundle.
MULTIPART_FRAMING_BYTES = 64 * 1024
JSON_TYPES = ("application/json", "application/stix+json", "application/taxii+json")


def upload_limit(settings: Settings) -> int:
    return settings.stix_import_max_bytes + MULTIPART_FRAMING_BYTES


async def read_file(upload: UploadFile, settings: Settings) -> tuple[bytes, str]:
    """An uploaded file, read no further than one byte past the limit (the import says how
    large is too large)."""
    raw = await upload.read(settings.stix_import_max_bytes + 1)
    return raw, upload.filename or ""


async def bundle_of_request(request: Request, settings: Settings) -> tuple[bytes, str]:
    """The bundle's bytes and file name: the JSON body, or the multipart field `file`."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in JSON_TYPES:
        return await request.body(), ""
    if media_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise refuse("send the bundle as the file field `file`", field="file")
        return await read_file(upload, settings)
    raise UnsupportedMediaType(media_type)


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"

    def __init__(self, media_type: str) -> None:
        super().__init__(
            f"'{media_type or 'no content type'}' is not a STIX bundle: send "
            "application/stix+json (or application/json), or a multipart upload of `file`"
        )


@router.post(
    "/import",
    response_model=StixImportRead,
    status_code=201,
    responses={
        400: {"description": "The body is not JSON."},
        413: {"description": "Larger than VIGIL_STIX_IMPORT_MAX_BYTES, or too many objects."},
        415: {"description": "Neither JSON nor a multipart upload."},
        422: {
            "description": "Not a STIX 2.1 bundle, or an object of it is wrong: every "
            "problem is listed in `errors`, and nothing is imported."
        },
    },
)
@body_limit(upload_limit)
async def import_stix(
    request: Request, session: SessionDep, settings: SettingsDep, principal: PrincipalDep
) -> StixImportRead:
    """Import a STIX 2.1 bundle (coordinators): its incidents become records of the
    organisations that made them, shared with yours under their TLP; objects Vigil does not
    map are kept raw and listed. All or nothing; the same version again changes nothing."""
    imports.importing_org(principal)
    raw, filename = await bundle_of_request(request, settings)
    return imports.import_bundle(
        session=session, settings=settings, principal=principal, raw=raw, filename=filename
    )


@router.get("/imports/{import_id}", response_model=StixImportRead)
def get_import(import_id: int, session: SessionDep, principal: PrincipalDep) -> StixImportRead:
    """One import: what became of each object, the raw ones listed (its importer and the
    organisation's coordinators)."""
    return imports.get_import(session=session, principal=principal, import_id=import_id)
