"""What the share endpoints of watchlists and alerts take (issue 5; docs/alerts.md, "Sharing").

`POST .../shares` names one agency or one user; `DELETE .../shares/{agency}` and
`DELETE .../shares/users/{username}` remove one. Who may share with whom is TLP 2.0's rule
(accounts/access.py, explain_share), applied by the actions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_AGENCY_LENGTH = 64
MAX_USERNAME_LENGTH = 64

AgencyId = Annotated[str, Path(min_length=2, max_length=MAX_AGENCY_LENGTH)]
Username = Annotated[str, Path(min_length=2, max_length=MAX_USERNAME_LENGTH)]


class ShareIn(BaseModel):
    """Share with one agency (`{"agency": "bssn"}`) or one named user (`{"user": "sari"}`);
    a RED object is shared with named users only."""

    model_config = ConfigDict(extra="forbid")
    agency: str | None = Field(default=None, min_length=2, max_length=MAX_AGENCY_LENGTH)
    user: str | None = Field(default=None, min_length=2, max_length=MAX_USERNAME_LENGTH)

    @model_validator(mode="after")
    def _exactly_one(self) -> ShareIn:
        if (self.agency is None) == (self.user is None):
            raise ValueError("name exactly one of agency and user")
        return self
