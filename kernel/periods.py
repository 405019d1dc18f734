"""Periods counted in months or years, the one way every clock of the portal counts them.

Civil Code Art. 201-202: the day a period starts is not counted; a period of months or years ends on the
corresponding day of its last month, or on that month's last day when it has no such day. So a period of
two years from 3 December 2026 ends on 3 December 2028, and one from 29 February 2028 on 28 February 2030.
The committee's term (Art. 9), the build period (Art. 18), rectification (Art. 19, 27) and the evaluation
cycle (Art. 26) all end on such a day.
"""

from dateutil.relativedelta import relativedelta


def period_end(start, *, years=0, months=0):
    """The last day of a period of `years` and `months` that starts on `start`."""
    return start + relativedelta(years=years, months=months)  # relativedelta keeps the day or falls to the month's end
