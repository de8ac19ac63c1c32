"""Certificates: one document per trainee who completed a cohort under its programme's rule,
with a public verification token and a revocation.

The enrolment keeps `certificate_number` and `certificate_issued_on` as its own record of
the active certificate (the API, the exports and the dashboards' summaries read them); only
the certificate services write them, together with the certificate row.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from centres.models import TimeStamped
from empowerment.kernel.fields import CodeField, PersianTextField

from .registry import _COHORT_SCOPE, PersonalDataQuerySet, _through
from .training import Enrolment

__all__ = ["Certificate", "new_certificate_token"]


def new_certificate_token() -> str:
    """The public address's secret: 128 random bits, URL-safe (22 characters). Numbers are
    guessable, tokens are not, so nobody lists the certificates by walking the addresses."""
    return secrets.token_urlsafe(16)


class CertificateQuerySet(PersonalDataQuerySet):
    scope_paths = {**_through("enrolment", _COHORT_SCOPE), "self": "enrolment__trainee__user"}

    def active(self):
        return self.filter(revoked_at__isnull=True)


class Certificate(TimeStamped):
    """A certificate (گواهی‌نامه) given to one trainee for one cohort."""

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("enrolment"),
    )
    number = CodeField(_("certificate number"), max_length=40, unique=True)
    token = models.CharField(
        _("verification token"),
        max_length=43,
        unique=True,
        default=new_certificate_token,
        editable=False,
    )
    issued_on = jmodels.jDateField(_("certificate date"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = PersianTextField(_("reason for revoking"), blank=True)

    objects = models.Manager.from_queryset(CertificateQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            # At most one certificate in force per enrolment; a revoked one may be followed by
            # a new one (a corrected record), which gets its own number and token.
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_one_active_per_enrolment",
                violation_error_message=_(
                    "This enrolment already has a certificate; revoke it before issuing another."
                ),
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="certificate_revoked_has_reason",
                violation_error_message=_("A certificate is revoked with a reason."),
            ),
        ]
        permissions = [("revoke_certificate", _("Can revoke a certificate"))]

    def __str__(self) -> str:
        return self.number

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
