"""The public portal: pages for residents who never sign in."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("centres/<int:pk>/", views.centre_detail, name="centre_detail"),
    path("news/", views.news_list, name="news_list"),
    # Slugs are Unicode (Persian titles), which the `slug` converter would refuse.
    path("news/<str:slug>/", views.article_detail, name="article_detail"),
]
