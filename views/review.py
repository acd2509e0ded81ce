"""Review: the pairs an analyst's verdict would teach the model most, and the calibration fitted on the verdicts."""

from __future__ import annotations

import streamlit as st

from crosscheck import review
from crosscheck.db import writes
from crosscheck.errors import CrosscheckError
from crosscheck.models.stance import decision_thresholds
from crosscheck.ui import cache, urls
from crosscheck.ui.access import QUEUED, current_identity, finish_or_queue, submit
from crosscheck.ui.resources import data_version, db_path
from crosscheck.ui.widgets import STANCE_COLOURS, empty_database_notice, escape_markdown, number

# The analyst's answer for a pair: (button text, stored label).
ANSWERS = [("Contradicts", "contradicts"), ("Supports", "supports"), ("Neither", "unrelated")]
PER_PAGE = 10


def _answer(claim_id: str, report_id: str, stance: str | None, label: str) -> None:
    verdict = "confirmed" if stance == label else "rejected"
    who = current_identity()
    try:
        finish_or_queue(submit("verdict", f"{claim_id}/{report_id}", writes.save_verdict, claim_id, report_id, verdict,
                               label=label, analyst=who.user_id, analyst_name=who.name), "your answer")
    except CrosscheckError as e:
        st.session_state["review_error"] = str(e)


def _recalibrate(reset: bool) -> None:
    try:
        result = finish_or_queue(submit("recalibrate", "reset" if reset else "fit", review.recalibrate, decision_thresholds(),
                                        reset=reset), "the recalibration", wait_s=60)
    except CrosscheckError as e:
        st.session_state["review_error"] = str(e)
        return
    if result is QUEUED:
        return
    st.session_state["review_done"] = (
        "Calibration removed: the model's own scores are back. " if reset else "Calibration fitted. "
    ) + f"{result['stances_changed']} of {result['pairs']} stored stances changed."


st.title("Review")
path, version = db_path(), data_version()
if version == "empty":
    empty_database_notice()
    st.stop()
st.caption(
    "Your answers are labelled pairs: they measure the model on this workspace's own material and, once "
    f"there are enough ({review.MIN_KNOWN} answers per label), recalibrate its scores. "
    "Uncertain first: pairs the model would not label, nearest a call first. Consequential first: the "
    "labels the dashboard shows, most confident first."
)
if error := st.session_state.pop("review_error", None):
    st.error(escape_markdown(error))
if done := st.session_state.pop("review_done", None):
    st.success(done)

viewer = current_identity()  # once per run: who is on the page decides the controls below
can_answer = viewer.may("verdict")  # viewers see the queue and the measures, not the answers
if not can_answer:
    st.info(escape_markdown(f"You can read this page; answering pairs is not open to you: {viewer.refusal('verdict')}."),
            icon=":material/visibility:")
order = st.segmented_control("Order", list(review.QUEUE_ORDERS), default="uncertain", key="order", bind="query-params")
todo, waiting = cache.review_queue(path, version, order or "uncertain", PER_PAGE)
st.subheader(f"{waiting:,} pairs without a verdict")
for row in todo.astype(object).where(todo.notna(), None).itertuples(index=False):
    with st.container(border=True, key=f"review-{row.claim_id}-{row.report_id}"):
        st.markdown(f"**Claim** · {escape_markdown(row.claim_actor or 'unknown actor')}")
        st.text(row.claim_text)
        st.markdown(f"**Report** · {escape_markdown(row.report_actor or 'unknown actor')}")
        st.text(row.report_text)
        colour = STANCE_COLOURS.get(row.stance, "gray")
        st.markdown(
            f"Model: :{colour}-badge[{escape_markdown(row.stance or 'not scored')}] · contradiction "
            f"**{number(row.contradiction)}** · support **{number(row.support)}** · pair: `{urls.claim_link(row.claim_id, row.report_id)}`"
        )
        if can_answer:
            buttons = st.columns(len(ANSWERS) + 1)
            for col, (text, label) in zip(buttons, ANSWERS):
                col.button(text, key=f"{label}-{row.claim_id}-{row.report_id}", on_click=_answer,
                           args=(row.claim_id, row.report_id, row.stance, label))

st.subheader("The model against your verdicts")
verdicts = cache.verdict_pairs(path, version)
if verdicts.empty:
    st.info("No verdicts yet: answer pairs above, or confirm and reject them on a claim's page.")
else:
    st.text(review.format_evaluation(review.evaluate(verdicts)))
current = cache.calibration(path, version)
if current:
    st.markdown(
        f"This workspace's scores are calibrated on **{current['verdicts']}** verdicts ({current['fitted_at']}; refitted: "
        f"{', '.join(current['refitted']) or 'none'}; contradicts ≥ {number(current['contradicts_threshold'])}, "
        f"supports ≥ {number(current['supports_threshold'])})."
    )
if not viewer.may("recalibrate"):
    st.stop()
a, b = st.columns(2)
a.button(f"Recalibrate from {len(verdicts)} verdicts", disabled=verdicts.empty, on_click=_recalibrate, args=(False,),
         icon=":material/tune:", type="primary")
b.button("Remove the calibration", disabled=current is None, on_click=_recalibrate, args=(True,), icon=":material/undo:")
