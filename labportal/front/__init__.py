"""The public front of the portal (no login): the front page, the Measures' text, the application guide,
templates to download, the FAQ and the contact of the coordination office.

Like `labportal/views.py` and `labportal/api_urls.py`, this package belongs to the composition root: it
reads every app (notices, the dossier's sections, the rules' constants) and nothing below imports it.
"""
