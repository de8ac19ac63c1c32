"""Public pages: the centres, one centre, the news and one article with its comments.
(Calls for ideas and requests to join a cohort are in `participation.py`.)

Nobody signs in here, so nothing is scoped: only active centres and published articles are
ever shown, and only published comments.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from centres import news
from centres.models import Article, Centre, Comment, District, Headquarters, Neighbourhood
from empowerment.kernel.errors import add_refusal_to_form
from empowerment.kernel.jalali import local_today
from empowerment.kernel.persian import normalize_text
from empowerment.kernel.ratelimit import client_address
from empowerment.public import selectors
from empowerment.public.forms import BusinessMessageForm, CommentForm, FollowForm
from trainees.services import catalogue

NEWS_PER_PAGE = 10
LATEST_NEWS = 4


def _published_articles_count():
    return Count(
        "articles",
        filter=Q(
            articles__state=Article.State.PUBLISHED,
            articles__published_at__lte=timezone.now(),
        ),
        distinct=True,
    )


@require_safe
def home(request):
    """The centres by province and city, each with the neighbourhoods it serves; a search by
    neighbourhood name; figures; the latest news.
    """
    query = normalize_text(request.GET.get("q", ""), digits="persian")
    centres = Centre.objects.active()
    if query:
        # Neighbourhood names keep Persian digits and are stored normalised: the normalised
        # query finds «منطقه ۱۴» typed as «منطقه 14» and «حصه» typed with an Arabic keyboard.
        centres = centres.filter(
            Q(name__icontains=query)
            | Q(city__name__icontains=query)
            | Q(neighbourhoods__name__icontains=query)
            | Q(districts__name__icontains=query)
        ).distinct()
    centres = (
        centres.select_related("city__province")
        .prefetch_related(
            Prefetch(
                "neighbourhoods",
                queryset=Neighbourhood.objects.select_related("district").order_by(
                    "district__number", "name"
                ),
            ),
            # A district without a name is shown by its number and city.
            Prefetch("districts", queryset=District.objects.select_related("city")),
        )
        .annotate(news_count=_published_articles_count())
        .order_by("city__province__name", "city__name", "name")
    )
    context = {
        "centres": centres,
        "query": query,
        "figures": selectors.home_figures(),
        "latest_news": news.article_list_public()[:LATEST_NEWS],
    }
    return render(request, "public/home.html", context)


@require_safe
def centre_detail(request, pk: int):
    centre = get_object_or_404(
        Centre.objects.active()
        .select_related("city__province")
        .prefetch_related(Prefetch("districts", queryset=District.objects.select_related("city"))),
        pk=pk,
    )
    context = {
        "centre": centre,
        "neighbourhoods": selectors.served_neighbourhoods(centre_id=centre.pk),
        "headquarters": Headquarters.objects.filter(centre=centre, is_active=True).select_related(
            "neighbourhood"
        ),
        "latest_news": news.article_list_public(centre=centre)[:LATEST_NEWS],
        "cohorts": selectors.centre_open_cohorts(centre=centre),
        "calls": selectors.open_calls().filter(centre=centre),
        "decided_calls": selectors.decided_calls(centre=centre),
        "products": selectors.centre_products(centre=centre),
        "counselling": selectors.centre_offers_counselling(centre=centre),
    }
    return render(request, "public/centre_detail.html", context)


@require_safe
def news_list(request):
    articles = news.article_list_public()
    centre = None
    centre_id = request.GET.get("centre", "")
    if centre_id:
        if not centre_id.isdigit():
            raise Http404
        centre = get_object_or_404(Centre.objects.active(), pk=int(centre_id))
        articles = articles.filter(centre=centre)
    page = Paginator(articles, NEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "public/news_list.html", {"page": page, "centre": centre})


@require_http_methods(["GET", "HEAD", "POST"])
def article_detail(request, slug: str):
    article = news.article_get_public(slug=slug)
    if article is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            accepted = _("Thank you. Your comment will be shown after review.")
            if form.is_spam():
                # Answer a robot exactly as a person, so it learns nothing; store nothing.
                messages.success(request, accepted, extra_tags="comment_received")
                return redirect(article.get_absolute_url() + "#comments")
            try:
                news.comment_submit(
                    article=article,
                    name=form.cleaned_data["name"],
                    text=form.cleaned_data["text"],
                    ip_address=client_address(request),
                )
            except news.CommentRateLimited:
                text = _("You have sent several comments in a short time. Please try again later.")
                form.add_error(None, ValidationError(text, code="rate_limited"))
                status = 429
            except ValidationError as error:
                # The model's rules run on the normalised text, so they may still refuse.
                add_refusal_to_form(form, error)
            else:
                messages.success(request, accepted, extra_tags="comment_received")
                return redirect(article.get_absolute_url() + "#comments")
    else:
        form = CommentForm()
    comments = Comment.objects.published().filter(article=article).order_by("created_at")
    context = {"article": article, "comments": comments, "form": form}
    return render(request, "public/article_detail.html", context, status=status)


# --- Public accountability ---------------------------------------------------------------


@require_safe
def centre_promises(request, pk: int):
    """What was promised to the neighbourhoods a centre serves, and what headquarters
    published of their resolutions, with what became of each."""
    centre = get_object_or_404(Centre.objects.active().select_related("city__province"), pk=pk)
    context = {
        "place": centre.name,
        "centre": centre,
        "today": local_today(),
        "follow_form": FollowForm(),
        **selectors.centre_accountability(centre=centre),
    }
    return render(request, "public/promises.html", context)


@require_safe
def neighbourhood_promises(request, pk: int):
    neighbourhood = get_object_or_404(
        Neighbourhood.objects.filter(centres__is_active=True)
        .select_related("district__city__province")
        .distinct(),
        pk=pk,
    )
    context = {
        "place": neighbourhood.name,
        "neighbourhood": neighbourhood,
        "centres": Centre.objects.active().filter(neighbourhoods=neighbourhood),
        "today": local_today(),
        "follow_form": FollowForm(),
        **selectors.neighbourhood_accountability(neighbourhood=neighbourhood),
    }
    return render(request, "public/promises.html", context)


# --- The catalogue of home businesses ------------------------------------------------------


@require_safe
def centre_catalogue(request, pk: int):
    centre = get_object_or_404(Centre.objects.active(), pk=pk)
    context = {"centre": centre, "entries": selectors.centre_catalogue(centre=centre)}
    return render(request, "public/catalogue.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def business_contact(request, pk: int):
    """A message to a listed business, kept for the centre's staff who pass it on: the
    owner's mobile is never shown."""
    entry = selectors.public_catalogue_entry(pk=pk)
    if entry is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = BusinessMessageForm(request.POST)
        if form.is_valid():
            sent = _("Thank you. The centre will pass your message on to the business.")
            landing = reverse("public_business_contact", args=[entry.pk])
            if form.is_spam():
                messages.success(request, sent, extra_tags="message_sent")
                return redirect(landing)
            try:
                catalogue.business_message_send(
                    entry=entry,
                    name=form.cleaned_data["name"],
                    contact=form.cleaned_data["contact"],
                    text=form.cleaned_data["text"],
                    ip_address=client_address(request),
                )
            except catalogue.MessageRateLimited as error:
                add_refusal_to_form(form, error)
                status = 429
            except ValidationError as error:
                add_refusal_to_form(form, error)
            else:
                messages.success(request, sent, extra_tags="message_sent")
                return redirect(landing)
    else:
        form = BusinessMessageForm()
    context = {"entry": entry, "centre": entry.centre, "form": form}
    return render(request, "public/business_contact.html", context, status=status)
