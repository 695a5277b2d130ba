"""Request bodies, validated strictly so that a typo is a clear 422 rather than a silent default."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IssueTicket(Body):
    service: str = Field(min_length=1, max_length=32, description="Service code, e.g. ANTS_ID")
    priority: bool = Field(False, description="Legal or local priority (checked by the agent)")
    priority_reason: str | None = Field(None, max_length=64, description="e.g. cmi, pregnancy")


class Transfer(Body):
    service: str | None = Field(None, min_length=1, max_length=32)
    counter: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def one_target(self) -> Transfer:
        if self.service is None and self.counter is None:
            raise ValueError("give a service code, a counter id, or both")
        return self


class Finish(Body):
    outcome: str = Field(min_length=1, max_length=32)
    note: str | None = Field(None, max_length=2000)


class DisplayMessage(Body):
    message: str = Field(max_length=280, description="Shown on the site's screens; empty to remove")


class Empty(Body):
    pass


ACTION_BODIES: dict[str, type[Body]] = {
    "recall": Empty,
    "start": Empty,
    "no-show": Empty,
    "requeue": Empty,
    "park": Empty,
    "unpark": Empty,
    "cancel": Empty,
    "transfer": Transfer,
    "finish": Finish,
}
