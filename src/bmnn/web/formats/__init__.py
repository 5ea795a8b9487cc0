"""Date and number formats per language, overriding Django's (see FORMAT_MODULE_PATH)."""
