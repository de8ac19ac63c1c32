"""What waits on the admin's first page from this app (empowerment/kernel/waiting.py):
comments to moderate, overdue resolutions and commitments, in the person's scope."""

from django.urls import reverse
from django.utils.translation import gettext

from empowerment.kernel import waiting

from ..models import Comment, Commitment, CommitmentComment, Resolution


@waiting.register(order=10)
def comments_to_moderate(request):
    if not request.user.has_perm("centres.change_comment"):
        return []
    count = Comment.objects.visible_to(request.user).filter(state=Comment.State.AWAITING).count()
    url = reverse("admin:centres_comment_changelist") + f"?state__exact={Comment.State.AWAITING}"
    return [waiting.WaitingItem("comments", gettext("comments to moderate"), count, url)]


@waiting.register(order=11)
def commitment_comments_to_moderate(request):
    if not request.user.has_perm("centres.change_commitmentcomment"):
        return []
    awaiting = CommitmentComment.State.AWAITING
    count = CommitmentComment.objects.visible_to(request.user).filter(state=awaiting).count()
    url = reverse("admin:centres_commitmentcomment_changelist") + f"?state__exact={awaiting}"
    return [
        waiting.WaitingItem(
            "commitment_comments", gettext("comments on promises to moderate"), count, url
        )
    ]


@waiting.register(order=40)
def overdue_follow_up(request):
    items = []
    user = request.user
    if user.has_perm("centres.view_resolution"):
        count = Resolution.objects.visible_to(user).overdue().count()
        url = reverse("admin:centres_resolution_changelist") + "?overdue=yes"
        items.append(waiting.WaitingItem("resolutions", gettext("overdue resolutions"), count, url))
    if user.has_perm("centres.view_commitment"):
        count = Commitment.objects.visible_to(user).overdue().count()
        url = reverse("admin:centres_commitment_changelist") + "?overdue=yes"
        items.append(waiting.WaitingItem("commitments", gettext("overdue commitments"), count, url))
    return items
