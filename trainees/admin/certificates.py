"""Certificates in the admin: issuing to one trainee (from the enrolment's page), to the
selected ones (an action with a confirmation page that lists them), the PDF, revoking with
a reason. Every write is a service call; every object is read through the person's scope,
so a foreign centre's enrolment or certificate is a 404 here as on every admin page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from centres.admin_base import ScopedAdmin
from empowerment.kernel.jalali import format_jalali
from empowerment.kernel.models import AccessRecord
from empowerment.kernel.persian import to_persian_digits

from .. import services
from ..documents import certificate_pdf
from ..models import Certificate, Enrolment
from .inputs import JalaliDateInput

ISSUE = "trainees.add_certificate"
REVOKE = "trainees.revoke_certificate"


class IssueForm(forms.Form):
    """The certificate's date: the cohort's end unless the manager picks another."""

    issued_on = JalaliDateInput(
        label=_("certificate date"),
        required=False,
        help_text=_("Leave empty to date it by the cohort's end. Jalali, for example 1402/10/30."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for revoking"), widget=forms.Textarea(attrs={"rows": 3})
    )


def verify_url(request, certificate: Certificate) -> str:
    return request.build_absolute_uri(
        reverse("public_certificate_verify", kwargs={"token": certificate.token})
    )


def certificate_links(enrolment: Enrolment) -> str:
    """The enrolment's certificate as links (view, PDF) or, when none is in force, the
    link to issue one: for the enrolment's page and the trainee's and cohort's inlines.
    Reads `enrolment.certificates.all()` (prefetch it for a list)."""
    active = [c for c in enrolment.certificates.all() if not c.is_revoked]
    if active:
        certificate = active[0]
        return format_html(
            '<bdi dir="ltr">{}</bdi> · <a href="{}">{}</a> · '
            '<a href="{}" class="certificate-pdf">{}</a>',
            certificate.number,
            reverse("admin:trainees_certificate_change", args=[certificate.pk]),
            gettext("view"),
            reverse("admin:trainees_certificate_pdf", args=[certificate.pk]),
            gettext("PDF"),
        )
    # The issue page itself checks the person's right (a staff member sees it refused).
    if enrolment.status in (
        Enrolment.Status.ENROLLED,
        Enrolment.Status.CERTIFIED,
        Enrolment.Status.NOT_CERTIFIED,
    ):
        return format_html(
            '<a href="{}" class="certificate-issue">{}</a>',
            reverse("admin:trainees_enrolment_certificate_issue", args=[enrolment.pk]),
            gettext("issue a certificate"),
        )
    return "—"


class EnrolmentCertificatesMixin:
    """The enrolment admin's certificate page and bulk action (mixed into EnrolmentAdmin)."""

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/certificate/",
                self.admin_site.admin_view(self.certificate_issue_view),
                name="trainees_enrolment_certificate_issue",
            )
        ]
        return urls + super().get_urls()

    @admin.display(description=_("certificate"))
    def certificate(self, obj):
        return certificate_links(obj)

    def certificate_issue_view(self, request, object_id):
        if not request.user.has_perm(ISSUE):
            raise PermissionDenied
        enrolment = get_object_or_404(
            self.get_queryset(request).select_related("trainee", "cohort"), pk=object_id
        )
        form = IssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                certificate = services.certificate_issue(
                    enrolment=enrolment, by=request.user, on=form.cleaned_data["issued_on"]
                )
            except ValidationError as refusal:
                form.add_error(None, refusal.messages)
            else:
                self.message_user(
                    request,
                    gettext("Certificate %(number)s issued.") % {"number": certificate.number},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:trainees_certificate_change", args=[certificate.pk])
                )
        checks = services.certificate_check_many(enrolments=[enrolment], by=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Issue a certificate: %(enrolment)s") % {"enrolment": enrolment},
            "enrolment": enrolment,
            "checks": checks,
            "form": form,
        }
        return TemplateResponse(request, "admin/trainees/certificate_issue.html", context)

    @admin.action(
        description=_("Issue certificates to the selected trainees"),
        permissions=["issue_certificate"],
    )
    def issue_certificates(self, request, queryset):
        """A confirmation page listing each selected trainee and whether they qualify; the
        certificates are issued only when it is confirmed."""
        form = IssueForm(request.POST if "confirm" in request.POST else None)
        on = form.cleaned_data["issued_on"] if form.is_valid() else None
        if "confirm" in request.POST and form.is_valid():
            issued, refused = services.certificate_issue_many(
                enrolments=list(queryset), by=request.user, on=on
            )
            self.message_user(
                request,
                gettext("%(count)s certificates issued.")
                % {"count": to_persian_digits(len(issued))},
                messages.SUCCESS if issued else messages.WARNING,
            )
            for check in refused:
                self.message_user(
                    request, f"{check.enrolment}: {check.refusal.text}", messages.WARNING
                )
            return None
        checks = services.certificate_check_many(enrolments=queryset, by=request.user, on=on)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Issue certificates to the selected trainees"),
            "checks": checks,
            "eligible": sum(1 for c in checks if c.eligible),
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "issue_certificates",
        }
        return TemplateResponse(request, "admin/trainees/certificate_confirm.html", context)

    def has_issue_certificate_permission(self, request):
        return request.user.has_perm(ISSUE)


@admin.register(Certificate)
class CertificateAdmin(ScopedAdmin):
    list_display = ["number_code", "holder", "cohort", "issued", "state", "pdf"]
    list_select_related = ["enrolment__trainee", "enrolment__cohort"]
    search_fields = [
        "number",
        "enrolment__trainee__first_name",
        "enrolment__trainee__last_name",
        "enrolment__cohort__code",
    ]
    fields = [
        "number_code",
        "holder",
        "cohort",
        "issued",
        "issued_by",
        "state",
        "revoked_by",
        "revoke_reason",
        "links",
    ]
    readonly_fields = fields
    change_form_template = "admin/trainees/certificate/change_form.html"

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="trainees_certificate_pdf",
            ),
            path(
                "<int:object_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="trainees_certificate_revoke",
            ),
        ]
        return urls + super().get_urls()

    def has_add_permission(self, request):
        # Issued from an enrolment (one, or the selected ones), under the programme's rule.
        return False

    def has_delete_permission(self, request, obj=None):
        # A certificate is revoked with its reason, never deleted: its address stays valid.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("certificate number"), ordering="number")
    def number_code(self, obj):
        return format_html('<bdi dir="ltr">{}</bdi>', obj.number)

    @admin.display(description=_("trainee"))
    def holder(self, obj):
        return obj.enrolment.trainee.full_name

    @admin.display(description=_("cohort"))
    def cohort(self, obj):
        cohort = obj.enrolment.cohort
        return format_html('{} <bdi dir="ltr">({})</bdi>', cohort.title, cohort.code)

    @admin.display(description=_("certificate date"), ordering="issued_on")
    def issued(self, obj):
        return format_jalali(obj.issued_on, persian_digits=True)

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.is_revoked:
            return gettext("revoked")
        return gettext("valid")

    @admin.display(description=_("PDF"))
    def pdf(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:trainees_certificate_pdf", args=[obj.pk]),
            gettext("download"),
        )

    @admin.display(description=_("links"))
    def links(self, obj):
        items = [
            (
                reverse("admin:trainees_certificate_pdf", args=[obj.pk]),
                gettext("download the PDF"),
                "certificate-pdf",
            ),
            (
                reverse("public_certificate_verify", kwargs={"token": obj.token}),
                gettext("public verification page"),
                "certificate-verify",
            ),
        ]
        return format_html_join(
            " · ", '<a href="{0}" class="{2}">{1}</a>', ((u, t, c) for u, t, c in items)
        )

    def _certificate(self, request, object_id):
        return get_object_or_404(
            self.get_queryset(request).select_related(
                "enrolment__trainee", "enrolment__cohort__programme", "enrolment__cohort__centre"
            ),
            pk=object_id,
        )

    def pdf_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        certificate = self._certificate(request, object_id)
        # A document with a person's name: its download is a read on record.
        self.record_access(request, AccessRecord.Action.VIEW, object_id=str(certificate.pk))
        body = certificate_pdf(certificate, verify_url=verify_url(request, certificate))
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="certificate-{certificate.number}.pdf"'
        return response

    def revoke_view(self, request, object_id):
        if not request.user.has_perm(REVOKE):
            raise PermissionDenied
        certificate = self._certificate(request, object_id)
        form = RevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.certificate_revoke(
                    certificate=certificate, reason=form.cleaned_data["reason"], by=request.user
                )
            except ValidationError as refusal:
                form.add_error(None, refusal.messages)
            else:
                self.message_user(
                    request,
                    gettext("Certificate %(number)s revoked.") % {"number": certificate.number},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:trainees_certificate_change", args=[certificate.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Revoke certificate %(number)s") % {"number": certificate.number},
            "certificate": certificate,
            "form": form,
        }
        return TemplateResponse(request, "admin/trainees/certificate_revoke.html", context)

    def render_change_form(self, request, context, *args, **kwargs):
        obj = kwargs.get("obj")
        context["can_revoke"] = bool(obj and not obj.is_revoked and request.user.has_perm(REVOKE))
        return super().render_change_form(request, context, *args, **kwargs)
