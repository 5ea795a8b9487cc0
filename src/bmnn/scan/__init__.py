"""bmnn.scan — finds state-secret marks, catalogue content and unmarked copies of registered
secrets in files, before they are published or sent. A library and the `bmnn scan` command;
no Django. See model.py (vocabulary), extract/ (formats), detect/ (rules), engine.py (limits,
fail-closed, workers)."""
