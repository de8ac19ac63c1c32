"""The password hasher (issue 18, "the morning rush"): Argon2id at OWASP's parameters.

PBKDF2 at Django's 1,000,000 iterations costs about 480 ms of CPU per check here, and staff
sign in together at nine in the morning. Argon2id at OWASP's recommended minimum (19 MiB of
memory, 2 passes, 1 lane) costs a small fraction of that (`bench/hasher_bench.py` prints both
in one run) while a guesser's GPU pays for the memory on every guess, which PBKDF2 never makes
it do. The algorithm name stays Django's "argon2", so stored hashes of either parameter set
are read; `must_update` re-hashes one whose parameters differ at the next sign-in, as Django
re-hashes PBKDF2 ones (kept second in PASSWORD_HASHERS for that).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OWASPArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19 MiB, t=2, p=1 (OWASP Password Storage Cheat Sheet)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
