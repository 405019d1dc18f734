"""REST API of the ministry stage (Art. 7-9, 13), one module per resource: `committees`, `criteria`,
`formal_reviews` (the checklist), `rounds` (expert review rounds; `round_experts` their experts and results),
`assignments` (blind scoring), `inspections` (site inspections), `notices` and `objections` (staff), and
`public_notices`: the public (no-login) notices with their objection form. `common` holds what they share
(who may use the staff endpoints, files, how people and applications are named).

The same conventions as `applications.api`: what a user may not see is a 404 (querysets come from the
models' `visible_to(user)` / `public()`), status changes only through `transitions/<name>/`
(`kernel.api_views.TransitionsMixin` → `run_transition`), everything else through
`reviews.services`; refusals are 400/403/409 with `detail` and, where a rule applies, `article`
(`kernel.api.exception_handler`). Formal review itself is the application transitions
`pass_formal_review` / `request_supplement` / `reject_formally` with `checks`, at /api/applications/.
"""
