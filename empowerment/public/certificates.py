"""The public verification page of a certificate: `/certificates/<token>/`, the address its
QR code carries.

The token is the only key (128 random bits): certificate numbers are never looked up, so
nobody lists certificates by walking numbers. A malformed or unknown token gets the same
404 as any missing page, and every look-up, found or not, counts against the client
address's rate, so guessing tokens costs a request each and is soon refused (429). The page
names the holder, the programme, the centre and the date, or says the certificate was
revoked; it shows no national code, mobile or other personal detail.
"""

import re

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from empowerment.kernel.ratelimit import client_address
from empowerment.public.pending import rate_take
from trainees import selectors
from trainees.documents import persian_date

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@require_safe
@never_cache
def certificate_verify(request, token: str):
    if not rate_take("certificate_verify", client_address(request) or "unknown"):
        return render(request, "public/certificate_verify.html", {"limited": True}, status=429)
    certificate = selectors.certificate_by_token(token=token) if TOKEN.match(token) else None
    if certificate is None:
        raise Http404
    cohort = certificate.enrolment.cohort
    context = {
        "certificate": certificate,
        "holder": certificate.enrolment.trainee.full_name,
        "programme": cohort.programme.title,
        "cohort": cohort.title,
        "centre": cohort.centre.name,
        "date": persian_date(certificate.issued_on),
    }
    response = render(request, "public/certificate_verify.html", context)
    # A verification page is for the person holding the paper, not for search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
