"""Admin of the news: articles and the comments awaiting review."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from empowerment.kernel.admin_columns import jalali_column

from .. import news
from ..admin_base import ScopedAdmin
from ..models import Article, Comment


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "lead",
            "body",
            "cover",
            "centre",
            "neighbourhood",
            "published_at",
        ]
        # Django's own check (Pillow cannot open it) says the same as ours.
        error_messages = {
            "cover": {"invalid_image": news.COVER_INVALID_MESSAGE},
        }

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        # Only a new upload is checked and re-encoded; a kept cover is already clean.
        if cover and hasattr(cover, "content_type"):
            return news.cover_image_prepare(cover)
        return cover


@admin.register(Article)
class ArticleAdmin(ScopedAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "centre",
        "state",
        "published",
        "comments_total",
        "comments_awaiting",
        "comments_published",
    ]
    list_filter = ["state", ("centre", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "lead"]
    list_select_related = ["centre"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["state", "author"]
    fields = [
        "title",
        "slug",
        "lead",
        "body",
        "cover",
        "centre",
        "neighbourhood",
        "published_at",
        "state",
        "author",
    ]
    actions = ["publish_selected", "unpublish_selected"]
    published = jalali_column("published_at", _("publication date"))

    def get_queryset(self, request):
        return super().get_queryset(request).with_comment_counts()

    def _comments_link(self, obj, count, state=None):
        url = reverse("admin:centres_comment_changelist") + f"?article__id__exact={obj.pk}"
        if state:
            url += f"&state__exact={state}"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description=_("comments"), ordering="comments_total")
    def comments_total(self, obj):
        return self._comments_link(obj, obj.comments_total)

    @admin.display(description=_("awaiting review"), ordering="comments_awaiting")
    def comments_awaiting(self, obj):
        return self._comments_link(obj, obj.comments_awaiting, Comment.State.AWAITING)

    @admin.display(description=_("published comments"), ordering="comments_published")
    def comments_published(self, obj):
        return self._comments_link(obj, obj.comments_published, Comment.State.PUBLISHED)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def _each(self, request, queryset, service, done_message):
        count = 0
        for article in queryset:
            service(article=article)
            count += 1
        self.message_user(request, done_message(count) % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected articles"), permissions=["change"])
    def publish_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            news.article_publish,
            lambda n: ngettext("%(count)d article published.", "%(count)d articles published.", n),
        )

    @admin.action(description=_("Take the selected articles off the site"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            news.article_unpublish,
            lambda n: ngettext(
                "%(count)d article unpublished.", "%(count)d articles unpublished.", n
            ),
        )


class ModeratedCommentAdmin(ScopedAdmin):
    """Residents' comments, whatever they are on: staff publish or reject them
    (`news.comment_moderate`), never rewrite them. `subject` names the field of what the
    comment is on."""

    subject = "article"
    actions = ["publish_selected", "reject_selected"]
    sent = jalali_column("created_at", _("sent at"))

    def get_list_display(self, request):
        return ["name", "short_text", self.subject, "state", "sent", "moderated_by"]

    def get_list_filter(self, request):
        # RelatedOnly: the filter offers only what is in the moderator's scope.
        return ["state", (self.subject, admin.RelatedOnlyFieldListFilter)]

    def get_readonly_fields(self, request, obj=None):
        return [
            self.subject,
            "name",
            "text",
            "state",
            "ip_address",
            "created_at",
            "moderated_by",
            "moderated_at",
        ]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("comment"))
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 80 else obj.text[:80] + "…"

    def _moderate(self, request, queryset, state, done_message):
        count = news.comment_moderate(comments=queryset, state=state, by=request.user)
        self.message_user(request, done_message(count) % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected comments"), permissions=["change"])
    def publish_selected(self, request, queryset):
        self._moderate(
            request,
            queryset,
            Comment.State.PUBLISHED,
            lambda n: ngettext("%(count)d comment published.", "%(count)d comments published.", n),
        )

    @admin.action(description=_("Reject the selected comments"), permissions=["change"])
    def reject_selected(self, request, queryset):
        self._moderate(
            request,
            queryset,
            Comment.State.REJECTED,
            lambda n: ngettext("%(count)d comment rejected.", "%(count)d comments rejected.", n),
        )


@admin.register(Comment)
class CommentAdmin(ModeratedCommentAdmin):
    subject = "article"
    search_fields = ["name", "text", "article__title"]
    list_select_related = ["article", "moderated_by"]
