"""What training led to: outcomes (employment, a home business, becoming an employer),
products and their sales."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from centres.models import TimeStamped
from centres.scope import ScopedQuerySet
from empowerment.kernel.fields import PersianCharField, PersianTextField
from programs.models import Cohort

from .registry import _COHORT_SCOPE, PersonalDataQuerySet, Trainee, _through
from .training import Enrolment


class OutcomeQuerySet(PersonalDataQuerySet):
    scope_paths = {
        "self": "trainee__user",
        "centre": ("trainee__registered_at", "enrolment__cohort__centre"),
        "city": ("trainee__registered_at__city", "enrolment__cohort__centre__city"),
        "province": (
            "trainee__registered_at__city__province",
            "enrolment__cohort__centre__city__province",
        ),
        "headquarters": "trainee__registered_at__headquarters",
    }


class Outcome(TimeStamped):
    """What training led to, recorded at a follow-up round (اشتغال)."""

    class Kind(models.TextChoices):
        EMPLOYED = "employed", _("Employed")
        HOME_BUSINESS = "home_business", _("Started a home business")
        EMPLOYER = "employer", _("Became an employer")
        CONTINUING_EDUCATION = "continuing_education", _("Continuing education")

    class Round(models.IntegerChoices):
        THREE = 3, _("3 months")
        SIX = 6, _("6 months")
        TWELVE = 12, _("12 months")

    trainee = models.ForeignKey(
        Trainee, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("trainee")
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
        verbose_name=_("training that led to it"),
    )
    kind = models.CharField(_("outcome"), max_length=30, choices=Kind.choices)
    date = jmodels.jDateField(_("date"))
    follow_up_round = models.PositiveSmallIntegerField(_("follow-up round"), choices=Round.choices)
    employees_count = models.PositiveSmallIntegerField(
        _("people employed"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    note = PersianTextField(_("note"), blank=True)

    objects = models.Manager.from_queryset(OutcomeQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "enrolment", "follow_up_round", "kind"],
                name="outcome_once_per_round",
            ),
            models.CheckConstraint(
                condition=~Q(kind="employer") | Q(employees_count__gte=1),
                name="outcome_employer_counts_people",
                violation_error_message=_(
                    "An employer outcome counts at least one person employed."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == self.Kind.EMPLOYER and not self.employees_count:
            raise ValidationError(
                {"employees_count": _("Say how many people this new employer employs.")}
            )
        if self.kind != self.Kind.EMPLOYER and self.employees_count:
            raise ValidationError(
                {"employees_count": _("Only an employer has people employed to count.")}
            )
        if self.enrolment_id and self.trainee_id and self.enrolment.trainee_id != self.trainee_id:
            raise ValidationError({"enrolment": _("This enrolment is another trainee's.")})


class ProductQuerySet(ScopedQuerySet):
    scope_paths = _COHORT_SCOPE


class Product(TimeStamped):
    """Something a cohort made (enamel plates, bags...), to follow it to the sale."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="products", verbose_name=_("cohort")
    )
    name = PersianCharField(_("name"), max_length=200)
    description = PersianTextField(_("description"), blank=True)
    quantity_made = models.PositiveIntegerField(_("quantity made"), default=0)
    unit_price_rials = models.PositiveBigIntegerField(
        _("unit price (Rials)"), null=True, blank=True
    )

    objects = models.Manager.from_queryset(ProductQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["cohort", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "name"], name="product_unique_in_cohort")
        ]

    def __str__(self) -> str:
        return self.name


class SaleQuerySet(ScopedQuerySet):
    scope_paths = _through("product", _COHORT_SCOPE)


class Sale(TimeStamped):
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="sales", verbose_name=_("product")
    )
    date = jmodels.jDateField(_("date"))
    place = PersianCharField(
        _("place"), max_length=200, help_text=_("For example: exhibition booth, centre shop.")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    amount_rials = models.PositiveBigIntegerField(_("amount (Rials)"))

    objects = models.Manager.from_queryset(SaleQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.product} · {self.quantity}"
