"""Reads that leave a trace and data that expires: access records (who opened, searched or
exported personal data) and the retention sweep of access records, one-time codes and SMS
bodies. Kept apart from the outbox (`outbox.py`) and sign-in codes (`residents.py`)."""
