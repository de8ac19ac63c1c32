"""Reads and figures on calls for ideas, always scoped to the reader."""

from django.db.models import Count, F, FloatField, QuerySet, Sum
from django.db.models.functions import Cast

from .models.ideas import Idea


def ideas_ranked(*, user, call) -> QuerySet:
    """The call's ideas the user may see, best first, in one aggregate query.

    `score` is the weighted mean of the reviewers' scores: for each idea, the sum of every
    score times its criterion's weight over the sum of the weights. As every review scores
    every criterion, this equals the mean of each reviewer's weighted mean. `reviewers` is
    how many reviewers scored. Unscored ideas come last with a score of None.
    """
    return with_ranking(Idea.objects.visible_to(user).filter(call=call))


def with_ranking(ideas: QuerySet) -> QuerySet:
    """Annotate `score` and `reviewers` (see `ideas_ranked`) and order best first."""
    return ideas.annotate(
        score=Cast(
            Sum(F("reviews__scores__score") * F("reviews__scores__criterion__weight")),
            FloatField(),
        )
        / Cast(Sum("reviews__scores__criterion__weight"), FloatField()),
        reviewers=Count("reviews", distinct=True),
    ).order_by(F("score").desc(nulls_last=True), "created_at")


def ideas_of_submitter(*, user) -> QuerySet:
    """A resident's own ideas (the "self" scope), with their call for the decision."""
    return Idea.objects.visible_to(user).filter(submitter=user).select_related("call")


def ideas_awaiting_review_by(user, queryset: QuerySet | None = None) -> QuerySet:
    """Ideas under review in a call this person reviews, that they have not scored yet (in
    their scope: `queryset` defaults to the ideas visible to them)."""
    queryset = Idea.objects.visible_to(user) if queryset is None else queryset
    return queryset.filter(status=Idea.Status.UNDER_REVIEW, call__reviewers=user).exclude(
        reviews__reviewer=user
    )
