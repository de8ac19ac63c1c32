"""Demo: the accounts that must give a second factor get an authenticator with a known secret
(README, "Demo accounts"), so that a newcomer can still sign in: type the secret into an
authenticator app, or print the current code with `python manage.py totp_code <username>`."""

from django.contrib.auth import get_user_model

from empowerment.kernel import second_factor

# Base32, as authenticator apps take them. Demo only: anyone who reads the README has them.
DEMO_TOTP_SECRETS = {
    "admin": "ADMINDEMOTOTPSECRETKEY2345ABCDEF",
    "manager.isfahan": "MANAGERISFAHANDEMOTOTP234567ABCD",
    "secretary.alborz": "SECRETARYALBORZDEMOTOTP234567ABC",
}


def seed(context: dict) -> dict:
    users = get_user_model().objects.filter(username__in=DEMO_TOTP_SECRETS)
    for user in users:
        secret = DEMO_TOTP_SECRETS[user.username]
        device = second_factor.device_for(user)
        if device is None or second_factor.secret_base32(device) != secret:
            second_factor.device_set(user=user, secret=secret)
    return {}
