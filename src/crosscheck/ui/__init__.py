"""The only Streamlit-aware part of the package: cached resources, URL state, shared widgets."""
