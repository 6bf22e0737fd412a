"""The clinic's own facts, read from one validated YAML file (``clinic.yml``).

Everything clinic-specific that an answer may state comes from here and is
filled in at response time, so changing a phone number needs no retraining.
A value left out is ``None`` (or empty), and answers say so honestly instead
of inventing one.
"""
from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import List, Optional

import yaml
from pydantic import AnyHttpUrl, BaseModel, Field, HttpUrl, ValidationError, validator

from bot.errors import ConfigError
from bot.staff.destinations import email_destination


class Strict(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


class Route(str, Enum):
    """Ways a clinic may give ketamine (or esketamine)."""

    lozenge = "lozenge"
    intramuscular = "intramuscular"
    intravenous = "intravenous"
    esketamine_nasal_spray = "esketamine_nasal_spray"


ROUTE_LABELS = {
    Route.lozenge: "lozenges (dissolved in the mouth)",
    Route.intramuscular: "intramuscular injection",
    Route.intravenous: "intravenous (IV) infusion",
    Route.esketamine_nasal_spray: "esketamine (Spravato) nasal spray",
}


class Contact(Strict):
    phone: Optional[str] = Field(default=None, max_length=40)
    email: Optional[str] = Field(default=None, max_length=120, regex=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    booking_url: Optional[HttpUrl] = None
    website: Optional[HttpUrl] = None


class Price(Strict):
    label: str = Field(..., max_length=80)
    amount: str = Field(..., max_length=40, description="As the clinic writes it, e.g. '$450'.")
    note: Optional[str] = Field(default=None, max_length=200)


class Pricing(Strict):
    items: List[Price] = []
    note: Optional[str] = Field(default=None, max_length=400)


class Insurance(Strict):
    summary: str = Field(..., max_length=600, description="The policy in the clinic's words.")
    superbill: Optional[bool] = None


# A number as people dial or text it: "988", "741741", "(555) 010-4477", "+44 116 123".
PHONE_NUMBER = r"^\+?[0-9][0-9 ().-]{1,24}$"


class CrisisResource(Strict):
    name: str = Field(..., max_length=80)
    how: str = Field(..., max_length=200, description="e.g. 'Call or text 988'.")
    # Optional, so a patient on a phone can act on the resource with one tap
    # (tel: and sms: links; see bot/content/action_links.py).
    call: Optional[str] = Field(default=None, regex=PHONE_NUMBER, description="The number to call, e.g. '988'.")
    text: Optional[str] = Field(default=None, regex=PHONE_NUMBER, description="The number to text, e.g. '741741'.")
    text_body: Optional[str] = Field(default=None, max_length=40, description="The word to text, e.g. 'HOME'.")

    @validator("text_body")
    def body_needs_number(cls, value: Optional[str], values: dict) -> Optional[str]:
        if value and not values.get("text"):
            raise ValueError("text_body needs the number to text ('text')")
        return value


class ClinicLine(Strict):
    phone: str = Field(..., max_length=40)
    hours: str = Field(..., max_length=200)


class Crisis(Strict):
    region: str = "US"
    resources: List[CrisisResource] = [
        CrisisResource(name="988 Suicide & Crisis Lifeline", how="Call or text 988, any time",
                       call="988", text="988"),
        CrisisResource(name="Emergency services", how="Call 911 if you are in danger right now", call="911"),
    ]
    clinic_line: Optional[ClinicLine] = None

    @validator("resources")
    def at_least_one(cls, value: List[CrisisResource]) -> List[CrisisResource]:
        if not value:
            raise ValueError("a clinic must list at least one crisis resource")
        return value


class DataRetention(Strict):
    days: int = Field(..., ge=0, le=3650)
    summary: Optional[str] = Field(default=None, max_length=400)


class Alerts(Strict):
    webhook_url: Optional[AnyHttpUrl] = None  # may be an internal host without a TLD
    include_message_text: bool = False


class Consultations(Strict):
    """Where a visitor's request to be contacted goes. With neither, the form is not offered."""

    webhook_url: Optional[AnyHttpUrl] = None  # signed with KAPBOT_STAFF_WEBHOOK_SECRET
    email_to: List[str] = Field(default=[], description="Staff addresses; needs KAPBOT_SMTP.")
    keep_days: Optional[int] = Field(
        default=None, ge=0, le=3650, description="Days a request is kept; unset: data_retention.days."
    )

    @validator("email_to", each_item=True)
    def an_address(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @property
    def destinations(self) -> List[str]:
        """As the staff outbox names them: webhook URLs and mailto: addresses."""
        return ([str(self.webhook_url)] if self.webhook_url else []) + [email_destination(a) for a in self.email_to]


class Clinic(Strict):
    """One clinic's published facts. Only ``name`` is required."""

    name: str = Field(..., min_length=1, max_length=120)
    contact: Contact = Contact()
    address: Optional[str] = Field(default=None, max_length=300)
    hours: List[str] = []
    prices: Optional[Pricing] = None
    insurance: Optional[Insurance] = None
    routes_offered: List[Route] = []
    preparation: List[str] = []
    getting_home: Optional[str] = Field(default=None, max_length=600)
    crisis: Crisis = Crisis()
    data_retention: Optional[DataRetention] = None
    alerts: Alerts = Alerts()
    consultations: Consultations = Consultations()

    @property
    def offers_esketamine(self) -> bool:
        return Route.esketamine_nasal_spray in self.routes_offered

    @property
    def route_labels(self) -> List[str]:
        return [ROUTE_LABELS[route] for route in self.routes_offered]

    @property
    def ketamine_route_labels(self) -> List[str]:
        return [
            ROUTE_LABELS[route]
            for route in self.routes_offered
            if route is not Route.esketamine_nasal_spray
        ]

    @property
    def retention_days(self) -> Optional[int]:
        """How long anything about a visitor may be kept; None: the clinic set no limit."""
        return self.data_retention.days if self.data_retention else None

    @property
    def consultation_keep_days(self) -> Optional[int]:
        """How long a consultation request is kept: its own period, else the clinic's retention."""
        return self.consultations.keep_days if self.consultations.keep_days is not None else self.retention_days

    @property
    def has_contact(self) -> bool:
        return any((self.contact.phone, self.contact.email, self.contact.booking_url))


def load_clinic(path: Path) -> Clinic:
    """Read and validate a clinic file; ConfigError names the field and why."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: clinic configuration not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of clinic facts")
    try:
        return Clinic.parse_obj(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from exc
