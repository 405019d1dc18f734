"""REST API for applications (申报), one module per resource: `applications` (the dossier, its list and
transitions; `dossier` its nested rows and their saving, `detail_parts` the read-only parts of its detail,
`revisions` its submitted revisions), `attachments` (evidence files); `common` what they share.

Every queryset starts from `Application.objects.visible_to(request.user)`: what a user may not see
is a 404, never a 403. Writes go through the models (`full_clean()` on every row) inside one
transaction, so a bad row is a 400 naming the field and nothing is half-saved. Status changes only
through the `transitions/<name>/` action (`kernel.api_views.TransitionsMixin`).
"""
