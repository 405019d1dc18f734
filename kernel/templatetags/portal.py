"""Template helpers of the portal: Chinese formatting, the unread badge, transition buttons.

    {% load portal %}
    {{ app.instrument_value_cny|cny }}   ¥52,000,000.00 (5,200 万元)
    {{ app.research_space_m2|area }}     3,500 m²
    {{ app.submitted_at|cn_date }}       2026年11月24日 10:30 (Chinese) / 2026-11-24 10:30 (English)
    {{ objection.id_number|masked }}     110105********1234
    {{ names|series }}                   甲、乙 (Chinese) / A, B (English)
    {{ "Art. 12 (1)"|article }}          第十二条第（一）项 (Chinese) / Art. 12(1) (English)
    {% unread_count as n %}
    {% transition_buttons app request.user %}
    {% transition_buttons lab request.user "evaluations:transition" exclude="recommend" %}
    {% progress_stepper progress %}      the stages, who acts next and the clock (kernel.progress)
    {% danger_zone actions %}            drastic actions apart, each leading to its confirmation page
    {{ "Art. 10-12"|article }}           第十条至第十二条 / Art. 10-12 (ranges and lists too)
    {% counted_weekdays start end %}     the flag of a working-day count touching a year whose holidays are not
                                         loaded (kernel.workdays.weekday_count_note); nothing otherwise
"""

import inspect

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from kernel import formatting
from kernel.citations import cite
from kernel.models import Notification
from kernel.progress import PARTY_LABELS, join_names
from kernel.transitions import available_transitions
from kernel.workdays import loaded_years, weekday_count_note

register = template.Library()


@register.filter
def cny(value):
    return formatting.format_cny(value)


@register.filter
def area(value):
    return formatting.format_area(value)


@register.filter
def cn_date(value):
    return formatting.format_date(value)


@register.filter
def masked(value):
    """An ID card number with its middle hidden: 110105********1234 (PIPL)."""
    return formatting.mask_identifier(value)


@register.filter
def series(values):
    """A list as the reader writes it: 甲、乙 in Chinese, A, B in English."""
    return formatting.format_list(values or [])


@register.simple_tag
def list_separator():
    """、 in Chinese, ", " in English: between the items of a {% for %} loop."""
    return formatting.list_separator()


@register.simple_tag
def written_language():
    """The `lang` of text stored in the portal's language (inbox messages): zh-CN for zh-hans."""
    return "zh-CN" if settings.LANGUAGE_CODE == "zh-hans" else settings.LANGUAGE_CODE


@register.simple_tag
def colon():
    """After a label: “：” in Chinese, “: ” in English (依托单位：… / Host institution: …)."""
    return "：" if formatting.is_chinese() else ": "


@register.filter
def article(value):
    """An article code ("Art. 12 (1)") as the reader reads it: 第十二条第（一）项 / Art. 12(1)."""
    return cite(value)


UNREAD_BADGE_MAX = 99  # the navbar's badge says "99+" beyond this


@register.simple_tag(takes_context=True)
def unread_count(context):
    """Unread notifications of the current user for the navbar's badge, "99+" beyond `UNREAD_BADGE_MAX`: counting
    stops there, so a ministry officer with forty thousand unread messages costs one short index read on every page
    (one query per request, cached on the request)."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if request is not None and hasattr(request, "_portal_unread_count"):
        return request._portal_unread_count

    count = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by()[:UNREAD_BADGE_MAX + 1].count()
    count = f"{UNREAD_BADGE_MAX}+" if count > UNREAD_BADGE_MAX else count
    if request is not None:
        request._portal_unread_count = count
    return count


def _names(value):
    if not value:
        return set()
    if isinstance(value, str):
        return {v.strip() for v in value.split(",") if v.strip()}
    return set(value)


def _declared_at(obj, name):
    """Source line of a transition method, so buttons follow the model's declaration order."""
    try:
        return inspect.unwrap(getattr(type(obj), name)).__code__.co_firstlineno
    except (AttributeError, TypeError):
        return 0


@register.simple_tag(takes_context=True)
def transition_buttons(context, obj, user, url_name="applications:transition", only="", exclude="", next_url="",
                       drastic=True):
    """POST forms for the transitions `user` may take on `obj` now (asked of the model, never guessed).

    `url_name` must accept (obj.pk, transition name). `only` / `exclude`: comma-separated names, e.g. to
    leave out actions that have their own richer form on the page. A drastic transition is a link to its
    confirmation page (GET on the same URL); `drastic=False` leaves them out, for a page that shows them
    apart in its `{% danger_zone %}`. Nothing is drawn where nothing may be done: a round's page asks this of each
    of its 125 assignments, most of which offer nothing.
    """
    only, exclude = _names(only), _names(exclude)
    rows, pages = [], {}
    for t in sorted(available_transitions(obj, user, only=only), key=lambda t: _declared_at(obj, t.name)):
        if t.name in exclude or (t.drastic and not drastic):
            continue
        if t.form or t.drastic:  # the transition needs data or a confirmation: a link to its page
            pages.setdefault(t.form or reverse(url_name, args=[obj.pk, t.name]), []).append(t)
            continue
        rows.append({"t": t, "url": reverse(url_name, args=[obj.pk, t.name])})
    links = [{"url": reverse(form, args=[obj.pk]) if ":" in form else form, "label": " / ".join(t.label for t in ts),
              "article": ts[0].article, "button": "outline-danger" if ts[0].drastic else "primary"}
             for form, ts in pages.items()]
    if not (rows or links):
        return ""
    return render_to_string("includes/transition_buttons.html", {
        "links": links,
        "obj": obj,
        "transitions": rows,
        "csrf_token": context.get("csrf_token"),
        "next_url": next_url,
    })


@register.filter
def widget_css(bound_field):
    """The Bootstrap class for a bound field's widget, with is-invalid when it has errors."""
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type in ("checkbox", "radio"):
        css = "form-check-input"
    elif input_type == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    return css


@register.simple_tag
def bootstrap_widget(bound_field, small=False, **attrs):
    """Render a bound field's widget with Bootstrap classes and aria-describedby for its help/errors."""
    css = widget_css(bound_field)
    if small and "form-check" not in css:
        css += " form-control-sm" if css.startswith("form-control") else " form-select-sm"
    existing = bound_field.field.widget.attrs.get("class", "")
    attrs["class"] = f"{existing} {css}".strip()
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)


def _party_label(party):
    """Who acts next, by name where organisations owe the decision (the recommenders), else by role."""
    if party is None:
        return ""
    if party.organisations:
        return join_names(party.organisations)
    return PARTY_LABELS.get(party.code, party.code)


@register.inclusion_tag("includes/progress_stepper.html")
def progress_stepper(progress):
    """The stages of an object's life (an ordered list, the current one marked aria-current="step"), its
    status, who acts next and what they are asked to do, and the clock that governs it."""
    return {"progress": progress, "party_label": _party_label(progress.next_party)}


@register.inclusion_tag("includes/danger_zone.html")
def danger_zone(actions):
    """Drastic actions, apart at the bottom of a page: each names its consequence and leads to a
    confirmation page. `actions`: dicts with name, label, consequence, article and url."""
    return {"actions": actions}


def _loaded_years(context):
    """The loaded calendar years, read once per request (once per rendering without one)."""
    holder = getattr(context, "request", None) or context.render_context
    if isinstance(holder, template.context.RenderContext):
        if "_loaded_calendar_years" not in holder:
            holder["_loaded_calendar_years"] = loaded_years()
        return holder["_loaded_calendar_years"]
    if not hasattr(holder, "_loaded_calendar_years"):
        holder._loaded_calendar_years = loaded_years()
    return holder._loaded_calendar_years


@register.simple_tag(takes_context=True)
def counted_weekdays(context, start, end):
    """“按周一至周五推算…”: shown beside a count in working days (or a date computed in them) from `start` to
    `end` when it touches a year whose State Council schedule is not loaded; nothing otherwise."""
    note = weekday_count_note(start, end, _loaded_years(context))
    if not note:
        return ""
    return format_html('<span class="calendar-flag small text-warning-emphasis" data-testid="calendar-flag">'
                       '<span aria-hidden="true">⚠</span> {}</span>', note)


PLAIN_OPTION = "django/forms/widgets/select_option.html"


@register.filter
def select_options(widget):
    """A select widget's options, written as Django's select_option.html and attrs.html would write them, but in
    Python: drawn by templates, a filter by review round of 300 options took 15-20 ms of the queue's page (issue 16).
    An option with a template of its own is drawn by it."""
    parts = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        for option in group_choices:
            if option["template_name"] != PLAIN_OPTION:
                parts.append(render_to_string(option["template_name"], {"widget": option}))
                continue
            attrs = format_html_join("", "{}", ((_attribute(name, value),) for name, value in option["attrs"].items()
                                                if value is not False))
            parts.append(format_html('<option value="{}"{}>{}</option>', str(option["value"]), attrs, option["label"]))
        if group_name:
            parts.append("</optgroup>")
    return mark_safe("\n  ".join(parts))  # noqa: S308  (every part is escaped above or drawn by a template)


def _attribute(name, value):
    return format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
