"""Who may see and who may change a hosted workspace: roles, the writes each needs, and who a person is.

Roles rise: `viewer` reads every page, opens shared links and downloads exports; `analyst` may also
upload, record verdicts and edit actors; `admin` may also give people roles. They come from the
`[roles]` section of .streamlit/secrets.toml (emails or domains per role, a default role for every
other signed-in person, `none` to keep them out) and from the grants an admin stores in the
workspace. `CROSSCHECK_READ_ONLY=1` makes the whole workspace read-only, whoever opens it.

Pure: no Streamlit, no SQL. The app's writer asks `Identity.may(action)` before every write.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

from crosscheck.db.schema import ANONYMOUS
from crosscheck.errors import CrosscheckError

VIEWER, ANALYST, ADMIN = "viewer", "analyst", "admin"
NO_ACCESS = "none"
ROLES = (VIEWER, ANALYST, ADMIN)  # in rising order: each may what the one before it may
# What `default` (and an admin's grant) may name: a role, or no access at all.
ASSIGNABLE = (NO_ACCESS, *ROLES)

# The role each kind of write needs; anything not listed here is refused to everyone.
REQUIRES = {
    "upload": ANALYST,       # ingest documents, create the schema, score the pairs an upload stored
    "verdict": ANALYST,      # confirm or reject a pair, answer the review queue
    "edit_actor": ANALYST,   # change an actor's type, country, aliases, confirmation
    "recalibrate": ANALYST,  # fit (or remove) the calibration from verdicts
    "grant_role": ADMIN,     # give a person a role in this workspace
    "follow": VIEWER,        # follow or unfollow a claim, actor, storyline or search, mark What's new read: one's own
}
# The dashboard itself, for upkeep no person asked for (scoring pairs an upload left waiting, in the
# background or when a page needs them): it may do these and nothing else, never in read-only mode.
SYSTEM = "system"
SYSTEM_ACTIONS = ("score",)
# What a page may show; every role reads.
READS = ("read", "export")
# Reads kept from viewers: the audit names everyone who tried a write, viewers included.
RESTRICTED_READS = {"audit": ANALYST}

READ_ONLY_ENV = "CROSSCHECK_READ_ONLY"


class RolesConfigError(CrosscheckError):
    """The [roles] section of the secrets cannot be used; the message names the entry."""


def read_only_mode(environ: Mapping[str, str] | None = None) -> bool:
    """True when $CROSSCHECK_READ_ONLY is set to 1 / true / yes / on: no write path at all."""
    value = (environ if environ is not None else os.environ).get(READ_ONLY_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def rank(role: str) -> int:
    """-1 for no access, then 0 viewer, 1 analyst, 2 admin."""
    return ROLES.index(role) if role in ROLES else -1


@dataclass(frozen=True)
class Identity:
    """The person a page runs for, as the server knows them (never from the URL or the browser's state).

    user_id: lowercased email (the key of verdicts and grants), `anonymous` without sign-in;
    name: the identity provider's display name, if any; role: one of ASSIGNABLE;
    read_only: the workspace is in read-only mode, so nobody may write.
    """

    user_id: str
    role: str
    name: str | None = None
    signed_in: bool = False
    read_only: bool = False

    def may(self, action: str) -> bool:
        """True when this person may do `action` (a key of REQUIRES, or "read"/"export")."""
        if self.role == NO_ACCESS:
            return False
        if self.role == SYSTEM:
            return action in SYSTEM_ACTIONS and not self.read_only
        if action in READS:
            return True
        if action in RESTRICTED_READS:
            return rank(self.role) >= rank(RESTRICTED_READS[action])
        needed = REQUIRES.get(action)
        return needed is not None and not self.read_only and rank(self.role) >= rank(needed)

    def refusal(self, action: str) -> str:
        """Why `action` is refused, in words a person can act on."""
        if self.read_only:
            return "this workspace is read-only (CROSSCHECK_READ_ONLY): nothing can be changed here"
        if self.role == SYSTEM:
            return f"the dashboard itself does only {', '.join(SYSTEM_ACTIONS)}, not {action}"
        needed = REQUIRES.get(action)
        if needed is None:
            return f"{action!r} is not a write this workspace knows"
        who = self.label
        return f"{action} needs the {needed} role; {who} is {'a ' + self.role if self.role in ROLES else 'without access'}"

    @property
    def label(self) -> str:
        """How pages name this person: display name and email, or the email alone."""
        if self.name and self.name != self.user_id:
            return f"{self.name} ({self.user_id})"
        return self.user_id


@dataclass(frozen=True)
class RoleRules:
    """Who has which role: exact emails, whole domains and a default, from the [roles] secrets section."""

    emails: Mapping[str, str] = field(default_factory=dict)
    domains: Mapping[str, str] = field(default_factory=dict)
    default: str = ANALYST
    configured: bool = False

    @classmethod
    def from_section(cls, section: Mapping | None) -> RoleRules:
        """Rules from the [roles] section; without one every signed-in person is an analyst (as before roles existed).

        ```toml
        [roles]
        admin = ["lead@newsroom.org"]
        analyst = ["@newsroom.org", "stringer@example.com"]   # "@domain" (or "domain") gives a whole domain
        viewer = ["@partner.org"]
        default = "viewer"                                      # everyone else signed in: viewer, analyst, admin or none
        ```
        """
        if section is None:
            return cls()
        section = dict(section)
        unknown = sorted(set(section) - {*ROLES, "default"})
        if unknown:
            raise RolesConfigError(f"[roles]: unknown key {unknown[0]!r}; use {', '.join(ROLES)} and default")
        default = str(section.get("default", VIEWER)).strip().lower()
        if default not in ASSIGNABLE:
            raise RolesConfigError(f"[roles] default = {default!r}: use one of {', '.join(ASSIGNABLE)}")
        emails: dict[str, str] = {}
        domains: dict[str, str] = {}
        for role in ROLES:  # rising, so a person listed twice keeps the higher role
            entries = section.get(role, [])
            if isinstance(entries, str):
                entries = [entries]
            if not isinstance(entries, (list, tuple)):
                raise RolesConfigError(f"[roles] {role}: a list of emails or @domains, not {type(entries).__name__}")
            for entry in entries:
                text = str(entry).strip().lower()
                if not text or text == "@":
                    raise RolesConfigError(f"[roles] {role}: an empty entry")
                if "@" in text[1:]:
                    emails[text] = role
                else:
                    domains[text.lstrip("@")] = role
        return cls(emails=emails, domains=domains, default=default, configured=True)

    def role_for(self, email: str | None, grants: Mapping[str, str] | None = None) -> str:
        """The role of a signed-in person: listed email, else an admin's grant, else listed domain, else the default.

        An email listed in the secrets wins over a grant, so an admin of the secrets cannot be demoted
        from inside the app.
        """
        if not email:
            return self.default
        email = email.strip().lower()
        if email in self.emails:
            return self.emails[email]
        if grants and email in grants and grants[email] in ASSIGNABLE:
            return grants[email]
        domain = email.rpartition("@")[2]
        return self.domains.get(domain, self.default)

    def describe(self) -> list[tuple[str, str]]:
        """(who, role) rows for the Access page: emails, domains, then everyone else."""
        rows = [(email, role) for email, role in sorted(self.emails.items())]
        rows += [(f"@{domain}", role) for domain, role in sorted(self.domains.items())]
        rows.append(("everyone else signed in", self.default))
        return rows


def identify(
    user: Mapping | None,
    rules: RoleRules,
    grants: Mapping[str, str] | None = None,
    *,
    auth: bool,
    read_only: bool = False,
) -> Identity:
    """The Identity of one page run.

    Args:
        user: the signed-in person's claims (st.user: email, email_verified, name, is_logged_in), or None.
        rules: the [roles] rules; grants: email → role given by admins in this workspace.
        auth: sign-in is configured. Without it the one anonymous visitor is an analyst, as before
            roles existed, unless the workspace is read-only.
        read_only: CROSSCHECK_READ_ONLY: a viewer, whoever it is.
    Returns:
        the Identity; a person not signed in while sign-in is configured gets NO_ACCESS.
    """
    if not auth:
        return Identity(ANONYMOUS, VIEWER if read_only else ANALYST, read_only=read_only)
    user = dict(user or {})
    if not user.get("is_logged_in", False):
        return Identity(ANONYMOUS, NO_ACCESS, read_only=read_only)
    email = user.get("email")
    # An address the provider did not verify proves nothing about its domain: such a person gets the default role.
    verified = user.get("email_verified", True) not in (False, "false", "False")
    email = str(email).strip().lower() if email and verified else None
    user_id = email or str(user.get("sub") or ANONYMOUS)
    role = rules.role_for(email, grants)
    if read_only and role != NO_ACCESS:
        role = VIEWER
    name = user.get("name")
    return Identity(user_id, role, name=str(name) if name else None, signed_in=True, read_only=read_only)


def system_identity(read_only: bool = False) -> Identity:
    """The dashboard's own caller for upkeep (SYSTEM_ACTIONS), audited as `crosscheck`."""
    return Identity("crosscheck", SYSTEM, name="Crosscheck (upkeep)", read_only=read_only)
