from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import ScopedAdmin, jalali_column
from .models import (
    Centre,
    City,
    District,
    Headquarters,
    Neighbourhood,
    Partner,
    Province,
    StaffRole,
)
from .services import user_sync_groups


@admin.register(Province)
class ProvinceAdmin(ScopedAdmin):
    search_fields = ["name"]


@admin.register(City)
class CityAdmin(ScopedAdmin):
    list_display = ["name", "province"]
    list_filter = ["province"]
    search_fields = ["name", "province__name"]


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    list_display = ["__str__", "number", "city"]
    list_filter = ["city__province", "city"]
    search_fields = ["name", "city__name"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(ScopedAdmin):
    list_display = ["name", "district", "is_less_privileged"]
    list_filter = ["is_less_privileged", "district__city", "district"]
    search_fields = ["name", "district__name", "district__city__name"]
    list_select_related = ["district__city"]


@admin.register(Partner)
class PartnerAdmin(ScopedAdmin):
    list_display = ["name", "kind", "province", "is_active", "updated"]
    list_filter = ["kind", "is_active", "province"]
    search_fields = ["name"]
    updated = jalali_column("updated_at", _("last changed"))


@admin.register(Centre)
class CentreAdmin(ScopedAdmin):
    list_display = ["name", "city", "opening_date", "phone", "is_active"]
    list_filter = ["is_active", "city__province", "city", "districts"]
    search_fields = ["name", "address", "phone", "neighbourhoods__name"]
    filter_horizontal = ["districts", "neighbourhoods"]
    list_select_related = ["city"]


@admin.register(Headquarters)
class HeadquartersAdmin(ScopedAdmin):
    list_display = ["name", "level", "parent", "province", "city", "neighbourhood", "is_active"]
    list_filter = ["level", "is_active", "province"]
    search_fields = ["name"]
    list_select_related = ["parent", "province", "city", "neighbourhood"]


@admin.register(StaffRole)
class StaffRoleAdmin(ScopedAdmin):
    list_display = ["user", "role", "scope_display", "is_active", "updated"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "centre", "headquarters", "partner", "city", "province"]
    updated = jalali_column("updated_at", _("last changed"))

    @admin.display(description=_("scope"))
    def scope_display(self, obj):
        return obj.scope_object or "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        user_sync_groups(user=obj.user)


# --- News --------------------------------------------------------------------------------

# Imports of this section stay here so that the section merges as one block.
from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils.html import format_html  # noqa: E402
from django.utils.translation import ngettext  # noqa: E402

from . import news  # noqa: E402
from .models import Article, Comment  # noqa: E402


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

    @admin.action(description=_("Publish the selected articles"), permissions=["change"])
    def publish_selected(self, request, queryset):
        count = 0
        for article in queryset:
            news.article_publish(article=article)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d article published.", "%(count)d articles published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Take the selected articles off the site"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        count = 0
        for article in queryset:
            news.article_unpublish(article=article)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d article unpublished.", "%(count)d articles unpublished.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Comment)
class CommentAdmin(ScopedAdmin):
    list_display = ["name", "short_text", "article", "state", "sent", "moderated_by"]
    # RelatedOnly: the filter offers only articles in the moderator's scope.
    list_filter = ["state", ("article", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "text", "article__title"]
    list_select_related = ["article", "moderated_by"]
    actions = ["publish_selected", "reject_selected"]
    sent = jalali_column("created_at", _("sent at"))
    # Staff judge what readers wrote; they do not rewrite it.
    readonly_fields = [
        "article",
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
