"""Who is using the dashboard and what they may do: the session's Identity, and every page write through it.

The identity is worked out on the server for every run, from Streamlit's signed sign-in cookie
(st.user), the [roles] section of the secrets, the roles admins gave in the workspace and
CROSSCHECK_READ_ONLY; nothing in the URL or the browser's widget state takes part. Pages write only
through `submit`, which hands the identity to the app's guarded writer: the writer refuses and
audits a write the role does not allow, whatever the page showed.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any, Callable

import streamlit as st

from crosscheck import roles
from crosscheck.db import reads, schema
from crosscheck.db.writer import AUDIT_LOG
from crosscheck.ui.resources import get_writer, open_reader

if not AUDIT_LOG.handlers:
    # The server log gets one line per write attempt (done, refused, failed), beside the audit table.
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    AUDIT_LOG.addHandler(_handler)
    AUDIT_LOG.setLevel(logging.INFO)


def auth_configured() -> bool:
    """True when secrets.toml has an [auth] section (then sign-in is required)."""
    # A missing secrets file means no sign-in; a malformed one raises, so the app never opens silently.
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def role_rules() -> roles.RoleRules:
    """The [roles] section of the secrets as rules (RolesConfigError when it cannot be used)."""
    try:
        section = st.secrets.get("roles") if "roles" in st.secrets else None
    except FileNotFoundError:
        section = None
    return roles.RoleRules.from_section(section.to_dict() if hasattr(section, "to_dict") else section)


def _grants() -> dict[str, str]:
    con = open_reader()
    try:
        if not schema.has_schema(con):
            return {}
        frame = reads.role_grants(con)
    finally:
        con.close()
    return dict(zip(frame["user_id"], frame["role"]))


def current_identity() -> roles.Identity:
    """The Identity of this run (roles.identify), from the signed-in user and the workspace's rules."""
    auth = auth_configured()
    read_only = roles.read_only_mode()
    if not auth:
        return roles.identify(None, roles.RoleRules(), auth=False, read_only=read_only)
    user = st.user.to_dict() if hasattr(st.user, "to_dict") else dict(st.user)
    return roles.identify(user, role_rules(), _grants(), auth=True, read_only=read_only)


def may(action: str) -> bool:
    """True when this run's person may do `action` (crosscheck.roles.REQUIRES)."""
    return current_identity().may(action)


def submit(action: str, target: str | None, fn: Callable[..., Any], *args, **kwargs) -> Future:
    """Queue a page's write in the app's writer as this run's person (AccessDenied when their role does not allow it)."""
    return get_writer().submit_as(current_identity(), action, target, fn, *args, **kwargs)


# How long a click waits for its write before the page says it is queued (an upload may hold the writer for minutes).
CLICK_WAIT_S = 5.0
_QUEUED = "queued_writes"
log = logging.getLogger(__name__)


class Queued:
    """A write that did not finish within CLICK_WAIT_S: it stays in the writer's queue and lands later."""


QUEUED = Queued()


def finish_or_queue(future: Future, what: str, wait_s: float | None = None) -> Any:
    """The write's result when it lands within a few seconds; QUEUED otherwise, never a timeout.

    A queued write is remembered in the session, so every page says it is waiting (show_queued_writes) and
    then that it was stored, or why it failed. Errors of a write that did land are raised as they are.
    """
    try:
        return future.result(timeout=CLICK_WAIT_S if wait_s is None else wait_s)
    except TimeoutError:
        future.add_done_callback(_log_failure(what))
        st.session_state.setdefault(_QUEUED, []).append((what, future))
        return QUEUED


def _log_failure(what: str) -> Callable[[Future], None]:
    def done(future: Future) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.warning("%s, queued behind another write, failed: %s", what, future.exception())
    return done


def show_queued_writes() -> None:
    """Say which of this session's writes still wait behind another (an upload), and which have landed since."""
    queued = st.session_state.get(_QUEUED)
    if not queued:
        return
    waiting = []
    for what, future in queued:
        if not future.done():
            waiting.append((what, future))
        elif future.cancelled() or future.exception() is not None:
            reason = "cancelled" if future.cancelled() else str(future.exception())
            st.error(f"{what[:1].upper()}{what[1:]} was not saved: {reason}", icon=":material/error:")
        else:
            st.success(f"{what[:1].upper()}{what[1:]} saved (it waited for another write to finish).", icon=":material/check:")
    st.session_state[_QUEUED] = waiting
    if waiting:
        names = ", ".join(what for what, _ in waiting)
        st.info(f"Queued behind an upload in progress: {names}. It will be saved when that finishes; "
                "nothing more to do.", icon=":material/schedule:")


def submit_upkeep(action: str, target: str | None, fn: Callable[..., Any], *args, **kwargs) -> Future:
    """Queue a write the dashboard makes itself, not for the person on the page (roles.SYSTEM_ACTIONS, e.g. "score":
    scoring pairs that wait for it); audited as `crosscheck`, refused in read-only mode."""
    return get_writer().submit_as(roles.system_identity(roles.read_only_mode()), action, target, fn, *args, **kwargs)


def refuse_page(action: str, page: str) -> None:
    """Stop a page whose purpose is a write the person may not do: say why, audit the attempt, show nothing else."""
    who = current_identity()
    st.error(who.refusal(action), icon=":material/lock:")
    get_writer().refuse(who, action, f"{page} page")
    st.stop()
