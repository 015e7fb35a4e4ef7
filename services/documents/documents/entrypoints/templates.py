"""HTTP routes of templates: define a new version (refused when it does not render), history."""

from fastapi import APIRouter

from documents.app import commands as c
from documents.domain.kinds import DocumentKind, Language, Profile
from documents.entrypoints import schemas as s
from documents.entrypoints.access import AccessRoute, Permission, allow
from documents.entrypoints.deps import DocumentsDep
from events.service.deps import MetadataDep

router = APIRouter(prefix="/templates", tags=["templates"], route_class=AccessRoute)


async def history(
    documents: DocumentsDep, kind: DocumentKind, language: Language, profile: Profile
) -> s.TemplateHistory:
    rows = await documents.views.template_versions(kind, language, profile)
    return s.TemplateHistory(versions=[s.TemplateVersionRead(**row) for row in rows])


@router.put(
    "/{kind}/{language}/{profile}",
    response_model=s.TemplateHistory,
    summary="Define the next version of a wording (422 if it does not render, names an unknown "
    "variable or injects markup)",
    dependencies=[allow(Permission.DEFINE_TEMPLATES)],
)
async def define_template(
    kind: DocumentKind,
    language: Language,
    profile: Profile,
    body: s.TemplatePut,
    metadata: MetadataDep,
    documents: DocumentsDep,
) -> s.TemplateHistory:
    await documents.bus.handle(
        c.DefineTemplate(metadata=metadata, kind=kind, language=language, profile=profile, source=body.source)
    )
    return await history(documents, kind, language, profile)


@router.get(
    "/{kind}/{language}/{profile}",
    response_model=s.TemplateHistory,
    summary="Every version of a wording (none: the built-in one is used)",
    dependencies=[allow(Permission.READ_TEMPLATES)],
)
async def template_history(
    kind: DocumentKind, language: Language, profile: Profile, documents: DocumentsDep
) -> s.TemplateHistory:
    return await history(documents, kind, language, profile)
