"""Settings of the API benchmark's server only (bench/api_bench.py): the project's, with a
URLconf that adds the bare comparison view. Never used in production."""

from empowerment.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_bench_urls"
DEBUG = False
# The throttles stay on: their cache round trips are part of the API's cost. DRF's throttle
# keeps the time of every request of its window in the cache and reads and writes that list
# on each request, so its cost grows with the requests a window holds. In production one
# user's window holds at most 120 (API_THROTTLE_USER) and one IP's 300. One bench user from
# one IP would fill a one-minute window with thousands, so the window here is one second,
# holding about as many entries as production's do (the benchmark stays under 400/s).
# `api_bench.py --no-throttles` turns them off to show their share.
if os.environ.get("BENCH_THROTTLES") == "off":  # noqa: F405
    API_THROTTLE_RATES = {**API_THROTTLE_RATES, "user": None, "ip": None}  # noqa: F405
else:
    API_THROTTLE_RATES = {**API_THROTTLE_RATES, "user": "400/second", "ip": "400/second"}
