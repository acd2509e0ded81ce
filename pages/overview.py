import streamlit as st

from crosscheck import store
from crosscheck.ui.resources import open_reader

st.title("Crosscheck")
con = open_reader()
if store.get_meta(con, "schema_version"):
    st.write(store.counts(con))
else:
    st.info("The database is empty: upload documents to begin.")
