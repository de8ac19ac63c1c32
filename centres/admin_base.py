"""The admin's base class: scope, Persian search and audit history in one place.

Every ModelAdmin of the project derives from `ScopedAdmin`, so that the one scope
mechanism (`visible_to`) decides the rows of lists, change pages, history pages, foreign-key
choices and autocompletes alike.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django_jalali.db import models as jmodels
from simple_history.admin import SimpleHistoryAdmin

from empowerment.kernel import masking
from empowerment.kernel.admin_wording import PersianHistoryMixin
from empowerment.kernel.errors import add_refusal_to_form, refusal_code, refusal_messages
from empowerment.kernel.persian import normalize_text
from empowerment.kernel.privacy.admin import AccessRecordedMixin
from empowerment.kernel.widgets import NumberWidget, PersianDateWidget, PersianTimeWidget

from .scope import ScopedQuerySet

__all__ = ["ScopedAdmin", "ScopedTabularInline", "ScopedStackedInline", "add_refusal_to_form"]


def scoped(queryset, request):
    """The queryset as the requesting person may see it (unscoped models pass through)."""
    if isinstance(queryset, ScopedQuerySet):
        return queryset.visible_to(request.user)
    return queryset


class ScopedMixin:
    """Restricts a ModelAdmin or inline to the rows in the user's scope, and takes dates,
    times and numbers typed in Persian (empowerment/kernel/widgets.py)."""

    formfield_overrides = {
        jmodels.jDateField: {"widget": PersianDateWidget},
        models.TimeField: {"widget": PersianTimeWidget},
        models.IntegerField: {"widget": NumberWidget},
        models.BigIntegerField: {"widget": NumberWidget},
        models.DecimalField: {"widget": NumberWidget},
        models.FloatField: {"widget": NumberWidget},
    }

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request)

    def get_list_filter(self, request):
        """A filter on a relation offers only the rows the person may see (staff of one
        centre are not offered another centre, its cohorts or its people)."""
        return [scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = scoped(db_field.remote_field.model._default_manager.all(), request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = scoped(db_field.remote_field.model._default_manager.all(), request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """django's relation filter, its choices read through `visible_to`."""

    def field_choices(self, field, request, model_admin):
        queryset = field.related_model._default_manager.all()
        if isinstance(queryset, ScopedQuerySet):
            queryset = queryset.visible_to(request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(row.pk, str(row)) for row in queryset]


def scoped_list_filter(model, entry):
    """`entry` of a list_filter, with a plain relation path made a scoped relation filter."""
    if not isinstance(entry, str):
        return entry
    try:
        field = get_fields_from_path(model, entry)[-1]
    except FieldDoesNotExist:
        return entry
    if field.is_relation and not field.auto_created:
        return (entry, ScopedRelatedFieldListFilter)
    return entry


class ServiceWritesMixin:
    """The admin writes only what the services accept, and shows their refusal.

    Writes in the admin go through the app's services (save_model, save_formset,
    delete_model, actions). When a service refuses (a ValidationError, which every
    `empowerment.kernel.errors.DomainError` is), everything the request wrote is rolled
    back and the page is shown again with the refusal on the form, in Persian: the admin
    cannot save what the service would refuse, and a refusal is never a 500.
    """

    def _changeform_view(self, request, object_id, form_url, extra_context):
        if request.method != "POST" or hasattr(request, "_service_refusal"):
            return super()._changeform_view(request, object_id, form_url, extra_context)
        try:
            # A savepoint inside the view's own transaction: the refusal undoes this
            # request's writes (the form's row, its inlines) and nothing else.
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super()._changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            # Once more with the same POST: the form now carries the refusal, so it is
            # invalid, nothing is saved and the page shows what to change.
            request._service_refusal = refusal
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                add_refusal_to_form(self, refusal)
                return cleaned

        RefusedForm.__name__ = form.__name__
        return RefusedForm

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().delete_view(request, object_id, extra_context)
        except ValidationError as refusal:
            self.refusal_message(request, refusal)
            return HttpResponseRedirect(request.path)

    def response_action(self, request, queryset):
        # An action runs a service per row and reports refusals itself; one that lets a
        # refusal through gets it as a message, with its writes rolled back.
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().response_action(request, queryset)
        except ValidationError as refusal:
            self.refusal_message(request, refusal)
            return HttpResponseRedirect(request.get_full_path())

    def save_inline_through(self, formset, create) -> None:
        """Save an inline formset whose new rows go through a service: `create(inline_form)`
        makes the row of a new inline form (valid) and returns it. Deletions and edits of
        rows already saved are single-row changes (the model's own rules hold them). Fills
        the lists the admin's change message reads, as formset.save() would."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                formset.deleted_objects.append(inline_form.instance)
                inline_form.instance.delete()
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            if inline_form.instance.pk is None:
                formset.new_objects.append(create(inline_form))
            else:
                formset.changed_objects.append((inline_form.instance, inline_form.changed_data))
                inline_form.save()

    def refusal_message(self, request, refusal: ValidationError, about=None) -> None:
        """A refusal as an error message (about one row, when given); its code rides along
        as the message's extra tag, where the page keeps it and nobody reads it."""
        text = " ".join(text for texts in refusal_messages(refusal).values() for text in texts)
        self.message_user(
            request,
            f"{about}: {text}" if about is not None else text,
            messages.ERROR,
            extra_tags=refusal_code(refusal),
        )


class ScopedAdmin(
    ServiceWritesMixin, ScopedMixin, AccessRecordedMixin, PersianHistoryMixin, SimpleHistoryAdmin
):
    list_per_page = 50
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        # Who searched for what (a separate call, before the search itself).
        self.record_search(request, search_term)
        # The term is normalised like stored text (ي/ك, spaces). Names keep Persian digits
        # and codes ASCII ones, so a term with digits is searched in both forms.
        ascii_term = normalize_text(search_term, digits="ascii")
        persian_term = normalize_text(search_term, digits="persian")
        results, may_have_duplicates = super().get_search_results(request, queryset, ascii_term)
        if persian_term != ascii_term:
            more, more_duplicates = super().get_search_results(request, queryset, persian_term)
            results = results | more
            may_have_duplicates = may_have_duplicates or more_duplicates
        exact = self._masked_exact_matches(request, queryset, ascii_term)
        if ascii_term and not self.get_search_fields(request) and self.search_fields:
            results = queryset.none()  # the masked fields were all there was to search
        if exact is not None:
            results = results | exact
        return results, may_have_duplicates

    # Masked numbers (empowerment/kernel/masking.py): a person who sees them masked finds a row
    # by the
    # whole number only, and cannot order or filter by them: a prefix search, a sort or a
    # `?mobile__startswith=` would give the number away a digit at a time.

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        return [
            name
            for name in fields
            if not masking.hides(request.user, name)
            and not masking.hides_detail(request.user, name)
        ]

    def _masked_exact_matches(self, request, queryset, term):
        condition = Q()
        for name in super().get_search_fields(request):
            kind = masking.kind_of(name)
            if kind is None or not masking.hides(request.user, name):
                continue
            value = masking.exact_value(kind, term) if term else None
            if value is not None:
                condition |= Q(**{name.lstrip("=^@"): value})
        return queryset.filter(condition) if condition else None

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # `masked_<field>`: the masked form of each personal number, for list columns and
        # read-only fields (the admin resolves those names on the ModelAdmin).
        for model_field in model._meta.concrete_fields:
            if model_field.name in masking.MASKED_FIELDS:
                setattr(self, _masked_name(model_field.name), _masked_column(model_field))

    def _mask_names(self, request, names):
        """Names of columns or fields as this person may see them: a masked number's masked
        twin; no personal detail they get none of (a relative's name, a birth date)."""
        return [
            _masked_name(name)
            if isinstance(name, str)
            and hasattr(self, _masked_name(name))
            and masking.hides(request.user, name)
            else name
            for name in names
            if not (isinstance(name, str) and masking.hides_detail(request.user, name))
        ]

    def get_list_display(self, request):
        return self._mask_names(request, super().get_list_display(request))

    def get_sortable_by(self, request):
        return [
            name
            for name in super().get_sortable_by(request)
            if not (isinstance(name, str) and masking.hides(request.user, name))
        ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not masking.masked_kinds(request.user) and masking.sees_personal_details(request.user):
            return fieldsets
        masked, seen = [], set()
        for title, options in fieldsets:
            fields = []
            for entry in options.get("fields", ()):
                names = self._mask_names(
                    request, entry if isinstance(entry, (list, tuple)) else [entry]
                )
                names = [name for name in names if name not in seen]
                seen.update(names)
                if names:
                    is_row = isinstance(entry, (list, tuple))
                    fields.append(tuple(names) if is_row else names[0])
            masked.append((title, {**options, "fields": fields}))
        return masked

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A ModelAdmin that writes its own get_readonly_fields (without super()) still gets
        # the masking below: masked numbers and hidden details are never form inputs.
        own = cls.__dict__.get("get_readonly_fields")
        if own is not None and not getattr(own, "_applies_masking", False):

            def get_readonly_fields(self, request, obj=None, _own=own):
                return self._masked_readonly(request, _own(self, request, obj))

            get_readonly_fields._applies_masking = True
            cls.get_readonly_fields = get_readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self._masked_readonly(request, super().get_readonly_fields(request, obj))

    def _masked_readonly(self, request, fields):
        fields = list(fields)
        masked_kinds = masking.masked_kinds(request.user)
        details = masking.sees_personal_details(request.user)
        if not masked_kinds and details:
            return fields
        # What this person may not read whole is read-only under its raw name too, so that
        # no form (declared fields included) takes or shows it; the fieldsets show a masked
        # number's masked twin and leave a hidden detail out.
        fields = self._mask_names(request, fields)
        own_fields = {f.name for f in self.model._meta.concrete_fields}
        for name in masking.MASKED_FIELDS:
            if hasattr(self, _masked_name(name)) and masking.hides(request.user, name):
                fields += [n for n in (_masked_name(name), name) if n not in fields]
        if not details:
            fields += [
                name
                for name in masking.PERSONAL_DETAIL_FIELDS
                if name in own_fields and name not in fields
            ]
        return fields

    def get_changelist(self, request, **kwargs):
        return MaskAwareChangeList

    def lookup_allowed(self, lookup, value, request=None):
        if request is not None and (
            masking.hides(request.user, lookup) or masking.hides_detail(request.user, lookup)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def history_view(self, request, object_id, extra_context=None):
        # django-simple-history falls back to the history rows of an object the user
        # cannot see; a forged URL must find nothing instead.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        if not hasattr(self.model._meta, "simple_history_manager_attribute"):
            # A model without HistoricalRecords: Django's own log, not a crash (500).
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One old version, and its revert, under the rules of the change page.

        django-simple-history reads the version by its ids alone (any centre's row) and
        saves a POST for anyone who may *view* history. Here the current row must be in
        the user's scope, a revert needs the right to change it, the fields the form does
        not offer keep the current row's values (a revert must not bring back, say, an old
        foreign key to another centre that this user could never have chosen), and a
        revert that would leave the row outside the user's scope is rolled back.
        """
        current = self.get_object(request, unquote(object_id))
        if current is None:
            raise Http404
        if request.method == "POST":
            if not self.has_change_permission(request, current):
                raise PermissionDenied
            request._scoped_revert_of = current
        with transaction.atomic():
            response = super().history_form_view(request, object_id, version_id, extra_context)
            if (
                request.method == "POST"
                and not self.get_queryset(request).filter(pk=current.pk).exists()
            ):
                raise PermissionDenied
        return response

    def save_form(self, request, form, change):
        obj = super().save_form(request, form, change)
        current = getattr(request, "_scoped_revert_of", None)
        if change and current is not None and current.pk == obj.pk:
            # A revert changes only what the form lets this user change.
            for model_field in obj._meta.concrete_fields:
                if model_field.primary_key or model_field.name in form.fields:
                    continue
                setattr(obj, model_field.attname, getattr(current, model_field.attname))
        return obj


def _masked_name(name: str) -> str:
    return f"masked_{name}"


def _masked_column(model_field):
    kind = masking.MASKED_FIELDS[model_field.name]

    def column(obj):
        return masking.mask_kind(kind, getattr(obj, model_field.attname, None)) or "—"

    column.short_description = model_field.verbose_name
    return column


class MaskAwareChangeList(ChangeList):
    """Refuses an `o=` ordering by a column the person sees masked."""

    def __init__(self, request, *args, **kwargs):
        self._user = request.user
        super().__init__(request, *args, **kwargs)

    def get_ordering_field(self, field_name):
        order = super().get_ordering_field(field_name)
        for name in (field_name, order):
            if isinstance(name, str) and masking.hides(self._user, name):
                return None
        return order


class ScopedTabularInline(ScopedMixin, admin.TabularInline):
    extra = 0


class ScopedStackedInline(ScopedMixin, admin.StackedInline):
    extra = 0
