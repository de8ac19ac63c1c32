"""What waits on the admin's first page from this app (empowerment/kernel/waiting.py):
the ideas awaiting the signed-in reviewer's scores."""

from django.urls import reverse
from django.utils.translation import gettext

from empowerment.kernel import waiting

from ..selectors import ideas_awaiting_review_by


@waiting.register(order=20)
def ideas_to_review(request):
    if not request.user.has_perm("programs.add_ideareview"):
        return []
    count = ideas_awaiting_review_by(request.user).count()
    url = reverse("admin:programs_idea_changelist") + "?awaiting=me"
    return [waiting.WaitingItem("ideas", gettext("ideas awaiting your review"), count, url)]
