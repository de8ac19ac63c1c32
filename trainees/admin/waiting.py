"""What waits on the admin's first page from this app (empowerment/kernel/waiting.py):
today's sessions, requests to join a cohort, possible duplicate trainees."""

from django.urls import reverse
from django.utils.translation import gettext

from empowerment.kernel import waiting

from .. import selectors
from ..models import BusinessMessage, CohortInterest, PossibleDuplicate


@waiting.register(order=0)
def sessions_today(request):
    if not request.user.has_perm("trainees.view_attendance"):
        return []
    count = selectors.sessions_of_day(user=request.user).count()
    url = reverse("admin:programs_cohortsession_today")
    return [waiting.WaitingItem("sessions", gettext("sessions today"), count, url)]


@waiting.register(order=30)
def requests_to_join(request):
    if not request.user.has_perm("trainees.change_cohortinterest"):
        return []
    count = (
        CohortInterest.objects.visible_to(request.user)
        .filter(state=CohortInterest.State.NEW)
        .count()
    )
    url = (
        reverse("admin:trainees_cohortinterest_changelist")
        + f"?state__exact={CohortInterest.State.NEW}"
    )
    return [waiting.WaitingItem("requests", gettext("requests to join"), count, url)]


@waiting.register(order=50)
def possible_duplicates(request):
    if not request.user.has_perm("trainees.change_possibleduplicate"):
        return []
    count = (
        PossibleDuplicate.objects.visible_to(request.user)
        .filter(status=PossibleDuplicate.Status.OPEN)
        .count()
    )
    url = (
        reverse("admin:trainees_possibleduplicate_changelist")
        + f"?status__exact={PossibleDuplicate.Status.OPEN}"
    )
    return [waiting.WaitingItem("duplicates", gettext("possible duplicate trainees"), count, url)]


@waiting.register(order=35)
def messages_to_businesses(request):
    if not request.user.has_perm("trainees.change_businessmessage"):
        return []
    new = BusinessMessage.State.NEW
    count = BusinessMessage.objects.visible_to(request.user).filter(state=new).count()
    url = reverse("admin:trainees_businessmessage_changelist") + f"?state__exact={new}"
    return [waiting.WaitingItem("business_messages", gettext("messages to businesses"), count, url)]
