"""Shared widgets: safe text rendering, sentence context, links to claims and pairs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crosscheck.export import escape_markdown, safe_url  # noqa: F401 - the pages import them from here
from crosscheck.ui import urls
from crosscheck.ui.access import may


def shorten(text: str | None, limit: int = 140) -> str:
    """One line of at most `limit` characters."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_context(context: dict | None, *, colour: str = "orange") -> None:
    """The sentence highlighted between its neighbours; user text is escaped, never HTML."""
    if not context:
        st.caption("No text stored for this statement.")
        return
    before = ("… " if context["clipped_start"] else "") + escape_markdown(context["before"])
    after = escape_markdown(context["after"]) + (" …" if context["clipped_end"] else "")
    sentence = escape_markdown(context["sentence"])
    st.markdown(f"{before} :{colour}-background[**{sentence}**] {after}")


def claim_link(claim_id: str, label: str, report_id: str | None = None, key: str | None = None) -> None:
    """A link to the Claim page (or to one pair when report_id is given)."""
    st.page_link(urls.script("claim"), label=escape_markdown(shorten(label)), query_params=urls.claim_params(claim_id, report_id))


def empty_database_notice() -> None:
    """What a page shows before anything is stored (the link to Upload only for those who may upload)."""
    if not may("upload"):
        st.info("The database is empty: nothing has been uploaded to this workspace yet.")
        return
    st.info("The database is empty: upload documents to begin.")
    st.page_link(urls.script("upload"), label="Upload documents", icon=":material/upload:")


def aliases_text(value) -> str:
    """An actor's aliases as one comma-separated cell."""
    if value is None or isinstance(value, float):  # NULL arrives as None or NaN
        return ""
    return ", ".join(str(a) for a in value)


def _blank(value) -> str | None:
    """None for an empty editor cell (None, NaN or only spaces), else the stripped text."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value).strip() or None


def actor_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[dict]:
    """Rows of the Actors editor whose fields changed, as actors.update_actor keyword arguments."""
    changes = []
    for (_, old), (_, new) in zip(before.iterrows(), after.iterrows()):
        change = {}
        if new["actor_type"] != old["actor_type"]:
            change["actor_type"] = new["actor_type"]
        if _blank(new["country"]) != _blank(old["country"]):
            change["country"] = _blank(new["country"])
        if (_blank(new["aliases"]) or "") != (_blank(old["aliases"]) or ""):
            change["aliases"] = [a.strip() for a in (_blank(new["aliases"]) or "").split(",") if a.strip()]
        if bool(new["confirmed"]) != bool(old["confirmed"]):
            change["confirmed"] = bool(new["confirmed"])
        if change:
            changes.append({"actor": old["actor"], **change})
    return changes


# Badge colours of the stances (Streamlit colour names), one map for every page.
STANCE_COLOURS = {"contradicts": "red", "supports": "green", "uncertain": "orange", "discusses": "blue", "unrelated": "gray"}


def number(value, fmt: str = "{:.2f}") -> str:
    """A score for the page: "–" when there is none (None or NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return fmt.format(value)


def dossier_buttons(claim_ids: list[str], key: str) -> None:
    """Download buttons for a dossier of these claims, HTML and Markdown (crosscheck.dossier), made when clicked."""
    from functools import partial

    from crosscheck import dossier
    from crosscheck.ui.resources import read

    url = str(st.context.url or "")
    base = url.rsplit("/", 1)[0] if url.startswith(("http://", "https://")) else None

    def make(fmt: str) -> str:
        found = read(dossier.gather, list(claim_ids))
        return (dossier.to_markdown if fmt == "md" else dossier.to_html)(found, base_url=base)

    a, b = st.columns(2)
    a.download_button("Dossier (HTML)", partial(make, "html"), file_name="crosscheck-dossier.html", mime="text/html",
                      key=f"{key}-html", icon=":material/description:", on_click="ignore",
                      help="the claim, every source's sentence with stance, dates and links, verdicts and a chart: one "
                           "file that opens offline")
    b.download_button("Dossier (Markdown)", partial(make, "md"), file_name="crosscheck-dossier.md", mime="text/markdown",
                      key=f"{key}-md", icon=":material/article:", on_click="ignore")


def follow_toggle(kind: str, target: str, label: str, key: str) -> None:
    """A Follow / Unfollow button for the signed-in person (a viewer too: following changes no evidence)."""
    from crosscheck.db import reads, writes
    from crosscheck.ui.access import current_identity, finish_or_queue, submit
    from crosscheck.ui.resources import read

    who = current_identity()
    if not who.may("follow"):
        return
    following = read(reads.follows, who.user_id)
    on = bool(((following["kind"] == kind) & (following["target"] == target)).any())

    def toggle() -> None:
        if on:
            finish_or_queue(submit("follow", f"{kind} {target}", writes.unfollow, who.user_id, kind, target), "your unfollow")
        else:
            finish_or_queue(submit("follow", f"{kind} {target}", writes.follow, who.user_id, kind, target, label),
                            "your follow")

    st.button("Unfollow" if on else "Follow", key=key, on_click=toggle,
              icon=":material/notifications_off:" if on else ":material/notifications:",
              help=f"{'Stop following' if on else 'Follow'} {label}: what arrives about it appears on What's new")
