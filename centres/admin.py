from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_jalali.admin.filters import JDateFieldListFilter

from empowerment.persian import to_persian_digits

from .admin_base import ScopedAdmin, ScopedStackedInline, ScopedTabularInline, jalali_column
from .meetings import (
    commitment_milestone_complete,
    meeting_create,
    resolution_cancel,
    resolution_create,
    resolution_follow_up_add,
    resolution_reporter_partner,
)
from .models import (
    PENDING_STATUSES,
    AgendaItem,
    Centre,
    City,
    Commitment,
    CommitmentMilestone,
    District,
    Headquarters,
    Indicator,
    Meeting,
    MeetingAttendee,
    Neighbourhood,
    Partner,
    Province,
    Resolution,
    ResolutionFollowUp,
    StaffRole,
)
from .services import IndicatorImportError, indicator_import, user_sync_groups


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


# --- Meetings, resolutions and commitments -----------------------------------------------


class AgendaItemInline(ScopedTabularInline):
    model = AgendaItem
    fields = ["order", "title", "notes"]


class MeetingAttendeeInline(ScopedTabularInline):
    model = MeetingAttendee
    fields = ["name", "position", "partner"]


class MeetingResolutionInline(ScopedStackedInline):
    model = Resolution
    fields = [("number", "deadline", "status"), "text", ("responsible", "cooperating")]
    readonly_fields = ["status"]
    filter_horizontal = []
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    """The secretary records a meeting with attendees, agenda and resolutions on one page."""

    list_display = ["number", "body_display", "kind", "date_display", "venue", "duration_hours"]
    list_filter = [
        "kind",
        ("headquarters", admin.RelatedOnlyFieldListFilter),
        ("centre", admin.RelatedOnlyFieldListFilter),
        ("date", JDateFieldListFilter),
    ]
    search_fields = ["venue", "chair", "minutes", "agenda_items__title"]
    list_select_related = ["headquarters", "centre"]
    fieldsets = [
        (None, {"fields": [("headquarters", "centre"), ("number", "kind")]}),
        (
            _("When and where"),
            {"fields": [("date", "start_time", "duration_hours"), "venue", "chair"]},
        ),
        (_("Minutes"), {"fields": ["minutes"]}),
    ]
    inlines = [MeetingAttendeeInline, AgendaItemInline, MeetingResolutionInline]
    date_display = jalali_column("date", _("date"))

    @admin.display(description=_("body"))
    def body_display(self, obj):
        return obj.body

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A new meeting goes through the service, which gives the body's next number.
        data = form.cleaned_data
        meeting = meeting_create(
            body=data["headquarters"] or data["centre"],
            number=data.get("number"),
            kind=data["kind"],
            date=data["date"],
            start_time=data.get("start_time"),
            venue=data.get("venue", ""),
            chair=data.get("chair", ""),
            duration_hours=data.get("duration_hours") or 0,
            minutes=data.get("minutes", ""),
        )
        obj.pk, obj.number, obj.created_at = meeting.pk, meeting.number, meeting.created_at
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not Resolution:
            return super().save_formset(request, form, formset, change)
        # The admin's change message reads these lists, which formset.save() would fill.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                formset.deleted_objects.append(inline_form.instance)
                inline_form.instance.delete()
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if inline_form.instance.pk is None:
                created = resolution_create(
                    meeting=form.instance,
                    number=data.get("number"),
                    text=data["text"],
                    responsible=data["responsible"],
                    cooperating=data.get("cooperating") or (),
                    deadline=data.get("deadline"),
                )
                formset.new_objects.append(created)
            else:
                formset.changed_objects.append((inline_form.instance, inline_form.changed_data))
                inline_form.save()


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.not_overdue()
        return queryset


class FollowUpFormMixin:
    """Refuses, as a form error, a report the service would refuse (who, and when)."""

    def clean(self):
        cleaned = super().clean()
        resolution = cleaned.get("resolution") or getattr(self, "parent_resolution", None)
        if resolution is not None and self.request is not None:
            try:
                resolution_reporter_partner(user=self.request.user, resolution=resolution)
            except PermissionDenied as error:
                raise ValidationError(str(error)) from error
        return cleaned


class ResolutionFollowUpInline(ScopedTabularInline):
    model = ResolutionFollowUp
    fields = ["reported_on", "progress", "note", "reported_by", "partner"]
    readonly_fields = ["reported_by", "partner"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        # The log is append-only: earlier reports are shown, never edited.
        return False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        base_form = formset.form

        class Form(FollowUpFormMixin, base_form):
            pass

        Form.request = request
        Form.parent_resolution = obj
        formset.form = Form
        return formset


@admin.register(Resolution)
class ResolutionAdmin(ScopedAdmin):
    list_display = [
        "code_display",
        "meeting",
        "short_text",
        "responsible",
        "deadline_display",
        "status",
        "progress",
        "overdue_display",
    ]
    list_filter = [
        ("meeting__headquarters", admin.RelatedOnlyFieldListFilter),
        ("meeting__centre", admin.RelatedOnlyFieldListFilter),
        ("responsible", admin.RelatedOnlyFieldListFilter),
        "status",
        OverdueFilter,
        ("deadline", JDateFieldListFilter),
    ]
    search_fields = ["text", "responsible__name", "meeting__venue"]
    list_select_related = ["meeting__headquarters", "meeting__centre", "responsible"]
    fields = [
        "meeting",
        ("number", "deadline"),
        "text",
        "responsible",
        "cooperating",
        ("status", "progress", "completed_on"),
        "report_link",
    ]
    readonly_fields = ["status", "progress", "completed_on", "report_link"]
    filter_horizontal = ["cooperating"]
    inlines = [ResolutionFollowUpInline]
    deadline_display = jalali_column("deadline", _("deadline"))
    actions = ["cancel_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_overdue()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["meeting", "number"]
        return fields

    @admin.display(description=_("code"), ordering="number")
    def code_display(self, obj):
        return obj.code

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 80 else obj.text[:78] + "…"

    @admin.display(description=_("overdue"), boolean=True, ordering="overdue_flag")
    def overdue_display(self, obj):
        return obj.overdue_flag

    @admin.display(description=_("report progress"))
    def report_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:centres_resolutionfollowup_add") + f"?resolution={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Add a follow-up report"))

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        resolution = resolution_create(
            meeting=data["meeting"],
            number=data.get("number"),
            text=data["text"],
            responsible=data["responsible"],
            cooperating=data.get("cooperating") or (),
            deadline=data.get("deadline"),
        )
        obj.pk, obj.number = resolution.pk, resolution.number
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        if change:
            form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ResolutionFollowUp:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.extra_forms:
            if not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            created = resolution_follow_up_add(
                resolution=form.instance,
                user=request.user,
                progress=data["progress"],
                note=data["note"],
                reported_on=data.get("reported_on"),
            )
            formset.new_objects.append(created)

    @admin.action(description=_("Cancel the selected resolutions"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        for resolution in queryset:
            try:
                resolution_cancel(
                    resolution=resolution,
                    user=request.user,
                    reason=gettext("Cancelled by the headquarters secretary."),
                )
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{resolution}: {error}", messages.ERROR)


class ResolutionFollowUpForm(FollowUpFormMixin, forms.ModelForm):
    request = None

    class Meta:
        model = ResolutionFollowUp
        fields = ["resolution", "reported_on", "progress", "note"]


@admin.register(ResolutionFollowUp)
class ResolutionFollowUpAdmin(ScopedAdmin):
    """Where a partner's officer reports on the resolutions assigned to their organisation."""

    form = ResolutionFollowUpForm
    list_display = ["resolution", "reported", "progress", "reported_by", "partner"]
    list_filter = [("resolution__responsible", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["resolution__meeting", "reported_by", "partner"]
    search_fields = ["note", "resolution__text"]
    reported = jalali_column("reported_on", _("reported on"))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "resolution":
            # Only what is still pending can be reported on.
            kwargs["queryset"] = (
                Resolution.objects.visible_to(request.user)
                .filter(status__in=PENDING_STATUSES)
                .select_related("meeting")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = resolution_follow_up_add(
            resolution=data["resolution"],
            user=request.user,
            progress=data["progress"],
            note=data["note"],
            reported_on=data.get("reported_on"),
        )
        obj.pk = saved.pk
        obj._state.adding = False


class CommitmentMilestoneInline(ScopedTabularInline):
    model = CommitmentMilestone
    fields = ["title", "due_date", "completed_on", "evidence"]


@admin.register(Commitment)
class CommitmentAdmin(ScopedAdmin):
    list_display = [
        "title",
        "neighbourhood",
        "promised_by",
        "due_display",
        "status",
        "progress",
        "overdue_display",
    ]
    list_filter = ["status", OverdueFilter, ("due_date", JDateFieldListFilter), "neighbourhood"]
    search_fields = ["title", "promised_by", "location", "neighbourhood__name"]
    list_select_related = ["neighbourhood"]
    readonly_fields = ["status", "progress", "completed_on"]
    inlines = [CommitmentMilestoneInline]
    due_display = jalali_column("due_date", _("due date"))

    def get_queryset(self, request):
        return super().get_queryset(request).with_overdue()

    @admin.display(description=_("overdue"), boolean=True, ordering="overdue_flag")
    def overdue_display(self, obj):
        return obj.overdue_flag

    def save_formset(self, request, form, formset, change):
        # A milestone newly marked done goes through the service (progress follows it).
        completing = [
            f
            for f in formset.forms
            if f.instance.pk and "completed_on" in f.changed_data and f.cleaned_data["completed_on"]
        ]
        super().save_formset(request, form, formset, change)
        for inline_form in completing:
            commitment_milestone_complete(
                milestone=inline_form.instance,
                completed_on=inline_form.cleaned_data["completed_on"],
                evidence=inline_form.cleaned_data.get("evidence", ""),
            )


# --- Neighbourhood indicators ------------------------------------------------------------


class IndicatorImportForm(forms.Form):
    file = forms.FileField(
        label=_("spreadsheet (.xlsx or .csv)"),
        help_text=_(
            "Columns: شهر، منطقه، محله، سال، فصل، جمعیت، سهم جوانان، سهم بالای ۶۵ سال، "
            "نرخ بیکاری، اعتیاد، فقر، بیکاری، ناامنی، منبع. Leave the quarter empty for a "
            "yearly figure; problems are levels 0-4 (none to severe)."
        ),
    )


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdmin):
    list_display = [
        "neighbourhood",
        "district",
        "period",
        "population",
        "youth_share",
        "over_65_share",
        "unemployment_rate",
        "addiction_level",
        "poverty_level",
        "unemployment_level",
        "insecurity_level",
        "updated",
    ]
    list_filter = [
        "year",
        "quarter",
        "neighbourhood__district__city__province",
        "neighbourhood__district__city",
        "neighbourhood__district",
    ]
    search_fields = ["neighbourhood__name", "neighbourhood__district__name", "source"]
    list_select_related = ["neighbourhood__district__city"]
    autocomplete_fields = ["neighbourhood"]
    fieldsets = [
        (None, {"fields": ["neighbourhood", "year", "quarter"]}),
        (
            _("Population"),
            {"fields": ["population", "youth_share", "over_65_share", "unemployment_rate"]},
        ),
        (_("Social problems (level 0 to 4)"), {"fields": list(Indicator.PROBLEM_FIELDS)}),
        (None, {"fields": ["source"]}),
    ]
    change_list_template = "admin/centres/indicator/change_list.html"
    updated = jalali_column("updated_at", _("last changed"))

    @admin.display(description=_("district"), ordering="neighbourhood__district__number")
    def district(self, obj):
        return obj.neighbourhood.district

    @admin.display(description=_("period"), ordering="year")
    def period(self, obj):
        return obj.period_label

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="centres_indicator_import",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        errors: list[str] = []
        form = IndicatorImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = indicator_import(user=request.user, upload=form.cleaned_data["file"])
            except IndicatorImportError as exc:
                errors = exc.messages
            else:
                self.message_user(
                    request,
                    _("Imported: %(created)s new figures, %(updated)s replaced.")
                    % {
                        "created": to_persian_digits(result.created),
                        "updated": to_persian_digits(result.updated),
                    },
                    messages.SUCCESS,
                )
                return redirect("admin:centres_indicator_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import neighbourhood indicators"),
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/centres/indicator/import.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)
