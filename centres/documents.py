"""A meeting's minutes as a PDF (صورتجلسه), for the body's secretary to print and sign:
rendered by the kernel's document renderer (empowerment/kernel/documents.py)."""

from empowerment.kernel.documents import persian_date, render_pdf
from empowerment.kernel.persian import to_persian_digits

from .selectors import MeetingMinutes

MINUTES_TEMPLATE = "centres/minutes_pdf.html"


def minutes_context(minutes: MeetingMinutes) -> dict:
    meeting = minutes.meeting
    return {
        "meeting": meeting,
        "body": meeting.body.name,
        "number": to_persian_digits(meeting.number),
        "date": persian_date(meeting.date),
        "time": to_persian_digits(meeting.start_time.strftime("%H:%M"))
        if meeting.start_time
        else "",
        "attendees": minutes.attendees,
        "agenda": [
            {"order": to_persian_digits(item.order), "title": item.title, "notes": item.notes}
            for item in minutes.agenda
        ],
        "resolutions": [
            {
                "code": to_persian_digits(resolution.code),
                "text": resolution.text,
                "responsible": resolution.responsible.name,
                "cooperating": "، ".join(p.name for p in resolution.cooperating.all()),
                "deadline": persian_date(resolution.deadline) if resolution.deadline else "",
            }
            for resolution in minutes.resolutions
        ],
        "minutes": meeting.minutes,
    }


def minutes_pdf(minutes: MeetingMinutes) -> bytes:
    """The minutes on A4 portrait pages (as many as the resolutions need)."""
    return render_pdf(MINUTES_TEMPLATE, minutes_context(minutes))
