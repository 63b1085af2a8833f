"""JSON API of erasing a person (platform administrators; orgs.erasure)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.orgs import erasure

router = APIRouter(prefix="/api/v1", tags=["people"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class ErasureRequest(BaseModel):
    confirm_email: str = Field(
        max_length=254, description="The person's e-mail address, again: erasing is final."
    )


class ErasureRead(BaseModel):
    id: int
    name: str = Field(description="What the person's records show from now on.")
    erased_at: dt.datetime


@router.post("/people/{person_id}/erase", response_model=ErasureRead)
def erase_person(
    person_id: Id, data: ErasureRequest, session: SessionDep, principal: PrincipalDep
) -> ErasureRead:
    """Erase a person (platform administrators): name, e-mail, password, second factor,
    sessions, tokens and memberships go; the records they wrote stay, by "Former member"."""
    person = erasure.erase_person(
        session=session,
        principal=principal,
        person_id=person_id,
        confirm_email=data.confirm_email,
    )
    assert person.erased_at is not None
    return ErasureRead(id=person.id, name=person.name, erased_at=person.erased_at)
