"""The expert's to-do on their home page: `{% load expert_pages %}{% expert_todo as todo %}`."""

from django import template

from reviews.views_expert import expert_todo as build

register = template.Library()


@register.simple_tag(takes_context=True)
def expert_todo(context):
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return build(user)
