"""bmnn.hostaudit — audits a computer that drafts or stores state secrets (no Django).

Live mode collects the machine's artefacts into an evidence bundle; offline mode analyses a bundle,
a folder of artefacts or a mounted disk image. Both run the same analysers over an ArtefactRoot.
"""
