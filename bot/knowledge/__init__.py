"""The curated knowledge base that LIP staff keep as YAML: topics, entries, partner agencies,
emergency contacts. Loaded and validated here; searched by `search.py`."""
