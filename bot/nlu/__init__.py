"""Natural-language understanding: which language, which intent, and is it an emergency."""
