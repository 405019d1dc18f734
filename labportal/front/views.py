"""Public pages for visitors who are not logged in (and anyone else): the front page, the Measures, the
application guide, templates to download, the FAQ and the contact of the coordination office."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from applications.documents import CALL_NOTICE
from applications.models import Application, Call, CallStatus, Status
from kernel.documents import issued_for_each
from kernel.regulation import measures as the_measures
from kernel.regulation.summaries import CHAPTER_TITLES, SUMMARIES
from reviews.models import PublicityNotice

from . import downloads
from .faq import questions
from .guide import STAGE_TITLES, stages

FRONT_NOTICES = 5
FRONT_APPROVED = 5


def contact():
    """The coordination office's contact details (settings PORTAL_CONTACT_*); unset ones are left out."""
    return {
        "name": settings.PORTAL_CONTACT_NAME or _("Coordination office for State Quality & Standards Laboratories "
                                                  "(SAMR and MIIT)"),
        "address": settings.PORTAL_CONTACT_ADDRESS,
        "phone": settings.PORTAL_CONTACT_PHONE,
        "email": settings.PORTAL_CONTACT_EMAIL,
        "hours": settings.PORTAL_CONTACT_HOURS or _("Working days, 9:00-11:30 and 13:30-17:00 (Beijing time)"),
    }


def _notices():
    """Open notices, newest first, with the applications (or laboratories) they publish."""
    applications = Application.objects.public().select_related("host", "laboratory").order_by("name_zh", "pk")
    return PublicityNotice.objects.public().prefetch_related(Prefetch("applications", queryset=applications))


@require_GET
def front_page(request):
    """What a visitor needs first: the notices open for objections, the latest approvals, the way in
    (log in, the guide, the Measures) and whom to ask."""
    today = timezone.localdate()
    calls = list(Call.objects.filter(status=CallStatus.OPEN, closes_on__gte=today).order_by("opens_on", "pk"))
    notices = issued_for_each(calls, [CALL_NOTICE])
    for call in calls:
        call.notice_documents = notices.get(call.pk, [])
    return render(request, "front/index.html", {
        "calls": calls,
        "notices": list(_notices()[:FRONT_NOTICES]),
        "approved": list(Application.objects.public().filter(status=Status.APPROVED)
                         .select_related("laboratory", "host").order_by("-laboratory__approved_on", "-pk")[:FRONT_APPROVED]),
        "today": today,
        "stages": STAGE_TITLES,
        "chapters": [(chapter, CHAPTER_TITLES[chapter.number]) for chapter in the_measures().chapters],
        "documents": downloads.DOCUMENTS.values(),
        "questions": questions()[:4],
        "contact": contact(),
    })


@require_GET
def measures(request):
    """The Measures' full text from the regulation itself, with an anchor per chapter, article and item;
    in English a summary of each article beside the authoritative Chinese text."""
    text = the_measures()
    chapters = [
        {"chapter": chapter, "title_en": CHAPTER_TITLES[chapter.number],
         "articles": [(article, SUMMARIES[article.number]) for article in chapter.articles]}
        for chapter in text.chapters
    ]
    return render(request, "front/measures.html", {"measures": text, "chapters": chapters})


@require_GET
def guide(request):
    return render(request, "front/guide.html", {"stages": stages(), "documents": downloads.DOCUMENTS.values()})


@require_GET
def download_list(request):
    return render(request, "front/downloads.html", {"documents": downloads.DOCUMENTS.values()})


@require_GET
def download(request, slug):
    document = downloads.DOCUMENTS.get(slug)
    if document is None:
        raise Http404
    response = HttpResponse(downloads.render(document), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, document.filename())
    return response


@require_GET
def faq(request):
    return render(request, "front/faq.html", {"questions": questions(), "contact": contact()})


@require_GET
def contact_page(request):
    return render(request, "front/contact.html", {"contact": contact()})
