"""Signals the kernel sends for the apps above it to answer (no models here, so an AppConfig
may import this module before the models are loaded)."""

from django.dispatch import Signal

# Sent with the resident's user each time one signs in by code. The trainee registry
# connects a receiver that links the user to the Trainee with the same mobile, so that the
# kernel needs no import from an app above it.
resident_signed_in = Signal()
