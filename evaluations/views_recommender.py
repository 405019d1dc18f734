"""Browser pages of the recommending organisations for the laboratories they recommended (Art. 10(3): they assist
the ministries with the labs' construction, acceptance, operation and evaluation): their list, and their opinion on
a lab in an acceptance or evaluation round. The lab's own page is `views.detail`, read-only for them.

Thin: who may see is `Laboratory.objects.visible_to`, who may give an opinion `rules.is_lab_recommender`, the rules
of the opinion `services.give_recommender_opinion`, reported back with their article."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.rules import is_recommender
from kernel.rules import RuleViolation
from kernel.web import rule_text
from reviews.models import ReviewRound

from . import services
from .forms import RecommenderOpinionForm
from .models import Laboratory, RecommenderOpinion
from .rules import is_lab_recommender
from .states import LAB_ROUND_PURPOSES
from .views import PAGE_SIZE, visible_or_404


@login_required
def recommended(request):
    """The laboratories the user's organisation recommended, through acceptance, operation and evaluation, with
    the round each is being scored in and whether the organisation gave its opinion there. A fixed number of
    queries whatever the number of labs."""
    if not is_recommender(request.user):
        raise PermissionDenied(_("This page is for the recommending organisations."))
    queryset = Laboratory.objects.visible_to(request.user).for_table().with_rounds(request.user.organisation_id)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "labs/recommended.html", {"page_obj": page, "query": ""})


@login_required
@require_http_methods(["GET", "POST"])
def opinion(request, pk, round_pk):
    """Give or change the organisation's opinion on the lab in the round, while the round is open (Art. 10(3))."""
    lab = visible_or_404(request, pk)
    if not is_lab_recommender(request.user, lab):
        raise PermissionDenied(_("Only a recommending organisation that recommended this laboratory gives an opinion "
                                 "on it (Art. 10)."))
    rounds = ReviewRound.objects.select_related("criteria_set").filter(
        criteria_set__purpose__in=LAB_ROUND_PURPOSES, entries__application_id=lab.application_id).distinct()
    review_round = get_object_or_404(rounds, pk=round_pk)
    own = RecommenderOpinion.objects.filter(entry__round=review_round, laboratory=lab,
                                            recommender_id=request.user.organisation_id).first()
    if review_round.concluded_at is not None and request.method == "GET":
        messages.info(request, _("The round “%(round)s” is concluded; its opinions can no longer be changed.")
                      % {"round": review_round.title})
        return redirect(rounds_url(lab))
    form = RecommenderOpinionForm(request.POST or None, initial={"text": own.text if own else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.give_recommender_opinion(lab, request.user, form.cleaned_data["text"], review_round=review_round)
        except RuleViolation as exc:
            form.add_rule_violation(exc)
        except PermissionDenied as exc:
            messages.error(request, rule_text(exc))
            return redirect(lab)
        else:
            messages.success(request, _("Your opinion was sent to SAMR and MIIT; you may change it until the round is "
                                        "concluded."))
            return redirect(rounds_url(lab))
    if request.method == "POST":
        messages.error(request, _("The opinion was not sent: please correct the errors below."))
    return render(request, "labs/opinion.html", {"lab": lab, "round": review_round, "form": form, "own": own})


def rounds_url(lab):
    return lab.get_absolute_url() + "#rounds"
