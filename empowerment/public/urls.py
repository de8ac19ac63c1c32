"""The public portal: pages for residents who never sign in."""

from django.urls import path

from empowerment.public import certificates, participation, views

urlpatterns = [
    path("", views.home, name="home"),
    path("centres/<int:pk>/", views.centre_detail, name="centre_detail"),
    path("centres/<int:pk>/promises/", views.centre_promises, name="centre_promises"),
    path("centres/<int:pk>/catalogue/", views.centre_catalogue, name="centre_catalogue"),
    path("catalogue/<int:pk>/contact/", views.business_contact, name="public_business_contact"),
    path(
        "neighbourhoods/<int:pk>/promises/",
        views.neighbourhood_promises,
        name="neighbourhood_promises",
    ),
    path(
        "commitments/<int:pk>/follow/",
        participation.commitment_follow,
        name="public_commitment_follow",
    ),
    path(
        "commitments/<int:pk>/comments/",
        participation.commitment_comment,
        name="public_commitment_comment",
    ),
    path(
        "unfollow/<str:token>/",
        participation.commitment_unfollow,
        name="public_commitment_unfollow",
    ),
    path("news/", views.news_list, name="news_list"),
    # Slugs are Unicode (Persian titles), which the `slug` converter would refuse.
    path("news/<str:slug>/", views.article_detail, name="article_detail"),
    path("calls/", participation.call_list, name="public_call_list"),
    path("calls/<int:pk>/", participation.call_detail, name="public_call_detail"),
    path(
        "cohorts/<int:pk>/interest/", participation.cohort_interest, name="public_cohort_interest"
    ),
    path(
        "centres/<int:pk>/counselling/", participation.counselling_book, name="public_counselling"
    ),
    path(
        "counselling/cancel/<str:token>/",
        participation.counselling_cancel,
        name="public_counselling_cancel",
    ),
    path(
        "track/<str:number>/cancel/",
        participation.counselling_cancel_tracked,
        name="public_counselling_cancel_tracked",
    ),
    path("confirm/<str:token>/", participation.confirm, name="public_confirm"),
    path("track/", participation.track, name="public_track"),
    path("track/<str:number>/", participation.tracked, name="public_tracked"),
    path(
        "certificates/<str:token>/",
        certificates.certificate_verify,
        name="public_certificate_verify",
    ),
]
