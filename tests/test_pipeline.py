from crosscheck.db import reads
from crosscheck.ingest import extract_text
from crosscheck.models.stance import load_scorer
from crosscheck.pipeline import store_documents


def test_same_text_twice_is_one_document(db, embedder, registry):
    docs = extract_text("Troops were seen near Belgorod. More tanks arrived on Tuesday.").documents
    first = store_documents(db, docs, embedder=embedder, scorer=load_scorer(), registry=registry)
    again = store_documents(db, docs, embedder=embedder, scorer=load_scorer(), registry=registry)
    assert [r.status for r in first.results] == ["added"]
    assert [r.status for r in again.results] == ["duplicate"]
    assert reads.counts(db)["documents"] == 1
    stmts = reads.list_statements(db)
    assert len(stmts) == 2
    text = docs[0].text
    for row in stmts.itertuples():
        assert text[row.start : row.end] == row.text
