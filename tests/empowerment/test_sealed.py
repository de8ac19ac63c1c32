"""Sealed text (counselling notes): encrypted with the configured keys, rotated with
MultiFernet, a key derived from SECRET_KEY when none is set, and a warning in production."""

import pytest
from cryptography.fernet import Fernet
from django.core import checks

from empowerment.kernel import sealed


def test_sealed_text_round_trips_and_hides_the_words(settings):
    settings.COUNSELLING_NOTES_KEY = ""
    value = sealed.seal("یادداشت محرمانه")
    assert value.startswith("fernet:") and "یادداشت" not in value
    assert sealed.unseal(value) == "یادداشت محرمانه"
    assert sealed.seal("") == "" and sealed.unseal("") == ""


def test_a_rotated_key_still_opens_old_text(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.COUNSELLING_NOTES_KEY = old
    before = sealed.seal("قدیمی")
    settings.COUNSELLING_NOTES_KEY = f"{new},{old}"
    assert sealed.unseal(before) == "قدیمی"
    after = sealed.seal("جدید")
    settings.COUNSELLING_NOTES_KEY = new
    assert sealed.unseal(after) == "جدید"
    with pytest.raises(ValueError):
        sealed.unseal(before)  # the old key removed: the old text no longer opens


def test_plain_text_in_a_sealed_column_is_refused():
    with pytest.raises(ValueError):
        sealed.unseal("not sealed")


def test_production_without_a_key_is_warned(settings):
    settings.DEBUG = False
    settings.COUNSELLING_NOTES_KEY = ""
    ids = [message.id for message in sealed.check_sealed_key()]
    assert ids == ["empowerment.W_SEALED_KEY"]
    settings.COUNSELLING_NOTES_KEY = Fernet.generate_key().decode()
    assert sealed.check_sealed_key() == []
    settings.DEBUG = True
    settings.COUNSELLING_NOTES_KEY = ""
    assert sealed.check_sealed_key() == []
    assert sealed.check_sealed_key in checks.registry.registry.get_checks()


def test_a_broken_key_is_an_error(settings):
    settings.COUNSELLING_NOTES_KEY = "not-a-key"
    assert [message.id for message in sealed.check_sealed_key()] == ["empowerment.E_SEALED_KEY"]
