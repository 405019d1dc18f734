"""The second confirmation of a drastic action (withdrawal, rejection, removal from the list, deleting a
draft): a server-rendered page that names the consequence, then a POST that says `confirmed`. No JavaScript.

Transitions are marked drastic where they are declared (`custom={"drastic": True, "consequence": ...}`).
"""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .transitions import available_transitions, declared_transition


def confirmation_page(request, subject, action, back_url, comment_field=True):
    """`action`: anything with label, consequence, article and comment_required; it posts to this URL."""
    return render(request, "actions/confirm.html", {
        "subject": subject,
        "action": action,
        "action_url": request.path,
        "back_url": back_url,
        "comment_field": comment_field,
        "comment": request.POST.get("comment", ""),
    })


def confirmed(request):
    return request.method == "POST" and bool(request.POST.get("confirmed"))


def before_transition(request, obj, name, back_url):
    """What to answer before running transition `name` on `obj`, or None to run it now.

    A drastic transition shows its confirmation page until a POST confirms it; a GET of any other
    transition is not allowed (405).
    """
    declared = declared_transition(type(obj), name)
    if declared is None or not declared.drastic:
        return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])
    if confirmed(request):
        return None
    action = next((t for t in available_transitions(obj, request.user) if t.name == name), None)
    if action is None:
        messages.error(request, _("This action is not open to you now."))
        return redirect(back_url)
    return confirmation_page(request, obj, action, back_url)


def drastic_actions(obj, transitions, url_name):
    """The drastic ones among `transitions` (available to the viewer) for `{% danger_zone %}`: each with its
    consequence and the URL of its confirmation page (`url_name` takes the object's pk and the name)."""
    return [{"name": t.name, "label": t.label, "consequence": t.consequence, "article": t.article,
             "url": reverse(url_name, args=[obj.pk, t.name])} for t in transitions if t.drastic]
