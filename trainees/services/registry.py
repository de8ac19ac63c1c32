"""Registering residents and updating them, possible duplicates, a resident's account."""

import logging

import jdatetime
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from centres.models import Centre, Neighbourhood
from empowerment.kernel import errors

from ..models import (
    PossibleDuplicate,
    Trainee,
)

logger = logging.getLogger(__name__)


TRAINEE_FIELDS = (
    "first_name",
    "last_name",
    "father_name",
    "national_code",
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
        clash = getattr(error, "error_dict", {}).keys() == {"national_code"}
        if clash and errors.is_unique_clash(error):
            raise NationalCodeRegistered() from error
        raise
    trainee.save()
    trainee_flag_duplicates(trainee=trainee)
    return trainee


def trainee_register(
    *,
    centre: Centre,
    first_name: str,
    last_name: str,
    national_code: str,
    gender: str,
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
    """Register a resident at `centre` (in `by`'s scope, when a person registers them)."""
    trainee = Trainee(
        registered_at=centre,
        first_name=first_name,
        last_name=last_name,
        national_code=national_code,
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
        trainee.normalise()
        trainees.append(trainee)
    bulk_create_with_history(trainees, Trainee, batch_size=batch_size, default_user=by)
    _flag_duplicates_among(trainees)
    return trainees


def _flag_duplicates_among(trainees: list[Trainee]) -> None:
    """Flag, for each new trainee, earlier registrations with the same name key and birth
    date under another national code (the rule of `trainee_flag_duplicates`, in one query
    per thousand names)."""
    dated = [t for t in trainees if t.birth_date]
    keys = list({t.name_key for t in dated})
    matches: dict[tuple, list[tuple[int, str]]] = {}
    for start in range(0, len(keys), 1000):
        for pk, key, born, code in Trainee.objects.filter(
            name_key__in=keys[start : start + 1000], birth_date__isnull=False
        ).values_list("pk", "name_key", "birth_date", "national_code"):
            matches.setdefault((key, born), []).append((pk, code))
    flags = [
        PossibleDuplicate(trainee=t, other_id=pk)
        for t in dated
        for pk, code in matches.get((t.name_key, t.birth_date), [])
        if pk != t.pk and code != t.national_code
    ]
    bulk_create_with_history(flags, PossibleDuplicate, batch_size=1000, ignore_conflicts=True)


def trainee_flag_duplicates(*, trainee: Trainee) -> list[PossibleDuplicate]:
    """Flag registrations with the same normalised name and birth date under another code.

    Only flags: two people may share a name and a birthday, so a person decides.
    """
    if not trainee.birth_date:
        return []
    others = Trainee.objects.filter(name_key=trainee.name_key, birth_date=trainee.birth_date)
    others = others.exclude(pk=trainee.pk).exclude(national_code=trainee.national_code)
    flags = []
    for other in others.only("pk"):
        flag, _created = PossibleDuplicate.objects.get_or_create(trainee=trainee, other=other)
        flags.append(flag)
    return flags


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
