"""The shared kernel every app builds on: transitions and their audit, deadlines and working days,
notifications, joint sign-offs, citations of the Measures, and the web and API conventions every app uses.
It imports no app of the portal (import-linter's contract in pyproject.toml)."""
