"""REST API of laboratories (Art. 14-31), one module per resource: `laboratories` (who may see:
`Laboratory.objects.visible_to`; `detail_parts` the clocks, sign-offs and history of its detail) with every
step of a lab's life in the modules of its nested records, `lab_rounds`, and `public_approved`: the public
approved construction list `/api/public/approved/` (批准建设名单, `Laboratory.objects.public()`, no login).
`common` holds what the nested records share.

    /api/laboratories/{id}/                                    detail; PATCH: the lab's people (Art. 14-16)
    /api/laboratories/{id}/transitions/{name}/                 apply_for_acceptance, confirm_acceptance, delist
    /api/laboratories/{lab}/extension-requests/[{id}/transitions/{name}/]   Art. 18: file; grant / refuse
    /api/laboratories/{lab}/annual-reports/[{id}/acknowledge/]              Art. 18, 23, 26: file; acknowledge
    /api/laboratories/{lab}/change-reports/[{id}/transitions/{name}/]       Art. 24, 31: file; accept / re-review
    /api/laboratories/{lab}/acceptance-applications/, .../evaluations/      read only (Art. 18-19, 26-27)
    /api/lab-rounds/[{id}/transitions/conclude/]               acceptance / evaluation expert rounds (Art. 19, 26)

The same conventions as `applications.api` and `reviews.api`: what a user may not see is a 404, status
changes only through `transitions/<name>/` (`kernel.api_views.TransitionsMixin` → `run_transition`),
every other step through the same `evaluations.services` function the browser pages call; refusals are
400/403/409 with `detail` and, where a rule applies, `article` (`kernel.api.exception_handler`).
"""
