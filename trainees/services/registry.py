"""Registering residents and updating them, possible duplicates, a resident's account."""

import logging

import jdatetime
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from centres.models import Centre, Neighbourhood
from empowerment.kernel import errors
from empowerment.kernel.persian import search_key

from ..models import (
    IDENTITY_FIELDS,
    PossibleDuplicate,
    Trainee,
)

logger = logging.getLogger(__name__)


TRAINEE_FIELDS = (
    "first_name",
    "last_name",
    "father_name",
    "nationality",
    "national_code",
    "foreign_code",
    "passport_number",
    "mobile",
    "gender",
    "birth_date",
    "neighbourhood",
    "education",
    "employment_status",
    "referral_source",
)


# --- Registry ----------------------------------------------------------------------------


class TraineeRegisteredElsewhere(errors.Conflict):
    """The person is registered at a centre outside the caller's: their record is not
    changed from here (a centre may enrol them, not rewrite them)."""

    code = "registered_elsewhere"

    def __init__(self):
        super().__init__(
            _(
                "This national code is registered at another centre: that person's record "
                "cannot be changed from here. You may enrol them in your cohorts."
            ),
            code=self.code,
        )


def trainee_may_change(*, trainee: Trainee, by=None, centre: Centre | None = None) -> bool:
    """Whether `by` (acting for `centre`, when given) may change this stored trainee.

    The one cross-centre rule of the registry: only the registering centre's side changes
    a person's record. Judged on the stored row, not on the object in hand, so that a form
    that also changes `registered_at` cannot move the person into its own scope first.
    A new trainee (no primary key yet) is being registered, which is always allowed.
    """
    if trainee.pk is None:
        return True
    stored = Trainee.objects.filter(pk=trainee.pk)
    if centre is not None and not stored.filter(registered_at=centre).exists():
        return False
    if by is not None and not stored.registered_within(by).exists():
        return False
    return True


class NationalCodeRegistered(errors.Duplicate):
    """A new registration under a national code the registry already holds (the same POST
    sent twice, or the person registered elsewhere): one person, one record."""

    code = "national_code_registered"

    def __init__(self):
        super().__init__(
            _(
                "A trainee with this national code is already registered: find them and "
                "enrol them instead of registering them again."
            ),
            code=self.code,
            field="national_code",  # a form or an app shows it beside the field
        )


class ForeignIdentityRegistered(errors.Duplicate):
    """The same for a foreign national's code or passport number (the code names the
    field: foreign_code_registered, passport_number_registered)."""

    code = "foreign_code_registered"

    def __init__(self, field: str = "foreign_code"):
        super().__init__(
            _(
                "A trainee with this identifier is already registered: find them and "
                "enrol them instead of registering them again."
            ),
            code=f"{field}_registered",  # foreign_code_registered, passport_number_registered
            field=field,
        )


def trainee_centre_check(*, centre_id: int, by=None) -> None:
    """A person registers residents at a centre of their own scope only (the admin, the
    importer and the API alike); raises OutOfScope otherwise. Without `by` (demo seeding,
    migrations) there is nobody to check."""
    if by is not None and not Centre.objects.visible_to(by).filter(pk=centre_id).exists():
        raise errors.OutOfScope(field="registered_at")


@transaction.atomic
def trainee_save(*, trainee: Trainee, by=None, centre: Centre | None = None) -> Trainee:
    """Validate and save a new or changed trainee, then flag possible duplicates.

    The admin's form, the importer (changed rows; new rows take the bulk twin,
    `trainees_register_many`, with the same field rules) and the API all end here, so
    that the normaliser (Persian digits, +98), the national-code rules, the scope, the
    cross-centre rule and the duplicate check run on every write.
    `by` (a person) and `centre` (the centre an import works for) name who is writing;
    demo seeding and migrations pass neither.
    """
    if not trainee_may_change(trainee=trainee, by=by, centre=centre):
        raise TraineeRegisteredElsewhere()
    if trainee.pk is None and trainee.registered_at_id is not None:
        trainee_centre_check(centre_id=trainee.registered_at_id, by=by)
    try:
        trainee.full_clean()
    except ValidationError as error:
        fields = set(getattr(error, "error_dict", {}).keys())
        if len(fields) == 1 and fields <= set(IDENTITY_FIELDS) and errors.is_unique_clash(error):
            (field,) = fields
            if field == "national_code":
                raise NationalCodeRegistered() from error
            raise ForeignIdentityRegistered(field) from error
        raise
    trainee.save()
    trainee_flag_duplicates(trainee=trainee)
    return trainee


def trainee_register(
    *,
    centre: Centre,
    first_name: str,
    last_name: str,
    gender: str,
    national_code: str | None = None,
    nationality: str = Trainee.Nationality.IRANIAN,
    foreign_code: str | None = None,
    passport_number: str | None = None,
    father_name: str = "",
    mobile: str = "",
    birth_date: jdatetime.date | None = None,
    neighbourhood: Neighbourhood | None = None,
    education: str = "",
    employment_status: str = "",
    referral_source: str = "",
    user=None,
    by=None,
) -> Trainee:
    """Register a resident at `centre` (in `by`'s scope, when a person registers them): an
    Iranian with their national code, a foreign national with a foreign national's code, a
    passport number, both or neither."""
    trainee = Trainee(
        registered_at=centre,
        first_name=first_name,
        last_name=last_name,
        nationality=nationality,
        national_code=national_code,
        foreign_code=foreign_code,
        passport_number=passport_number,
        gender=gender,
        father_name=father_name,
        mobile=mobile,
        birth_date=birth_date,
        neighbourhood=neighbourhood,
        education=education,
        employment_status=employment_status,
        referral_source=referral_source,
        user=user,
    )
    return trainee_save(trainee=trainee, by=by)


def trainee_update(
    *, trainee: Trainee, by=None, centre: Centre | None = None, **changes
) -> Trainee:
    unknown = set(changes) - set(TRAINEE_FIELDS)
    if unknown:
        raise TypeError(f"Not trainee fields: {sorted(unknown)}")
    if not trainee_may_change(trainee=trainee, by=by, centre=centre):
        raise TraineeRegisteredElsewhere()
    for name, value in changes.items():
        setattr(trainee, name, value)
    return trainee_save(trainee=trainee, by=by, centre=centre)


@transaction.atomic
def trainees_register_many(
    *, centre: Centre, rows: list[dict], by=None, batch_size: int = 1000
) -> list[Trainee]:
    """Register many trainees at once (the spreadsheet import): the same field rules as
    `trainee_register`, bulk inserts with their history rows, and duplicates flagged.

    Foreign keys are given as objects the caller has already read, so they are not
    checked one query per row; the national code's uniqueness is enforced by the
    database's unique index (a clash fails the whole transaction).
    """
    trainee_centre_check(centre_id=centre.pk, by=by)
    trainees = []
    for row in rows:
        trainee = Trainee(registered_at=centre, **row)
        trainee.clean_fields(exclude=["registered_at", "neighbourhood", "user", "name_key"])
        trainee.clean()
        trainee.normalise()
        trainees.append(trainee)
    bulk_create_with_history(trainees, Trainee, batch_size=batch_size, default_user=by)
    _flag_duplicates_among(trainees)
    return trainees


def _same_person_ids(a: tuple, b: tuple) -> bool:
    """Whether two registrations carry the same identifier of some kind (then the unique
    index already made them one row, or they are the row itself): no flag between them."""
    return any(x and x == y for x, y in zip(a, b, strict=True))


def _identity(trainee: Trainee) -> tuple:
    return tuple(getattr(trainee, name) for name in IDENTITY_FIELDS)


def _flag_duplicates_among(trainees: list[Trainee]) -> None:
    """Flag, for each new trainee, earlier registrations that match by the rules of
    `trainee_flag_duplicates`, in a few queries per thousand names."""
    keys = list({t.name_key for t in trainees})
    by_birth: dict[tuple, list[tuple]] = {}
    by_father: dict[tuple, list[tuple]] = {}
    by_mobile: dict[tuple, list[tuple]] = {}
    for start in range(0, len(keys), 1000):
        rows = Trainee.objects.filter(name_key__in=keys[start : start + 1000]).values_list(
            "pk", "name_key", "birth_date", "father_name", "mobile", *IDENTITY_FIELDS
        )
        for pk, key, born, father, mobile, *identity in rows:
            entry = (pk, tuple(identity))
            if born:
                by_birth.setdefault((key, born), []).append(entry)
                if father:
                    by_father.setdefault((key, search_key(father), born), []).append(entry)
            if mobile:
                by_mobile.setdefault((key, mobile), []).append(entry)
    flags, seen = [], set()
    for t in trainees:
        identity = _identity(t)
        candidates = []
        if t.birth_date:
            if t.national_code:
                candidates += by_birth.get((t.name_key, t.birth_date), [])
            elif t.father_name:
                candidates += by_father.get(
                    (t.name_key, search_key(t.father_name), t.birth_date), []
                )
        if not t.national_code and t.mobile:
            candidates += by_mobile.get((t.name_key, t.mobile), [])
        for pk, other in candidates:
            if pk != t.pk and (t.pk, pk) not in seen and not _same_person_ids(identity, other):
                seen.add((t.pk, pk))
                flags.append(PossibleDuplicate(trainee=t, other_id=pk))
    bulk_create_with_history(flags, PossibleDuplicate, batch_size=1000, ignore_conflicts=True)


def trainee_flag_duplicates(*, trainee: Trainee) -> list[PossibleDuplicate]:
    """Flag registrations that may be the same person under another identifier.

    A person with a national code: the same normalised name and birth date under another
    code. A person without one (a foreign national, whose code or passport may be missing,
    mistyped or renewed): the same name, father's name and birth date, or the same name and
    mobile. Only flags: two people may share a name and a birthday, so a person decides.
    """
    same_name = Trainee.objects.filter(name_key=trainee.name_key)
    condition = Q(pk__in=[])
    if trainee.birth_date:
        if trainee.national_code:
            condition |= Q(birth_date=trainee.birth_date)
        elif trainee.father_name:
            condition |= Q(
                birth_date=trainee.birth_date,
                father_name__in=_spellings(same_name, trainee.father_name),
            )
    if not trainee.national_code and trainee.mobile:
        condition |= Q(mobile=trainee.mobile)
    others = same_name.filter(condition).exclude(pk=trainee.pk)
    identity = _identity(trainee)
    flags = []
    for other in others.only("pk", *IDENTITY_FIELDS):
        if _same_person_ids(identity, _identity(other)):
            continue
        flag, _created = PossibleDuplicate.objects.get_or_create(trainee=trainee, other=other)
        flags.append(flag)
    return flags


def _spellings(queryset, father_name: str) -> list[str]:
    """The stored fathers' names among `queryset` that fold to the same search key as
    `father_name` (ي/ك, ZWNJ and spaces do not make two people)."""
    key = search_key(father_name)
    names = set(queryset.exclude(father_name="").values_list("father_name", flat=True))
    return [name for name in names if search_key(name) == key]


@transaction.atomic
def possible_duplicate_resolve(
    *, flag: PossibleDuplicate, status: str, by, note: str = ""
) -> PossibleDuplicate:
    if status not in (PossibleDuplicate.Status.SAME_PERSON, PossibleDuplicate.Status.DIFFERENT):
        raise ValidationError(_("Decide whether they are the same person or different people."))
    flag.status = status
    flag.note = note or flag.note
    flag.reviewed_by = by
    flag.reviewed_at = timezone.now()
    flag.save()
    return flag


@transaction.atomic
def trainee_link_resident_on_sign_in(sender, user, mobile: str, **kwargs) -> None:
    """Receiver of the kernel's `resident_signed_in` (connected in trainees/apps.py)."""
    trainee_link_resident(user=user, mobile=mobile)


def trainee_link_resident(*, user, mobile: str) -> Trainee | None:
    """Link a resident's account (signed in by SMS code) to their registry record.

    Only when exactly one trainee has this mobile and that trainee has no account yet, and
    the account is not linked to another trainee: a shared family number stays unlinked
    rather than showing one person another's record.
    """
    if Trainee.objects.filter(user=user).exists():
        return None
    matches = list(Trainee.objects.select_for_update().filter(mobile=mobile)[:2])
    if len(matches) != 1 or matches[0].user_id is not None:
        return None
    trainee = matches[0]
    trainee.user = user
    trainee.save(update_fields=["user", "updated_at"])
    return trainee
