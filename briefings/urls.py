from django.urls import path

from briefings import feeds, views

app_name = "briefings"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("briefings/", views.BriefingListView.as_view(), name="list"),
    path("briefings/<slug:slug>/", views.BriefingDetailView.as_view(), name="detail"),
    path("coverage/category/<slug:slug>/", views.CategoryView.as_view(), name="category"),
    path("coverage/region/<slug:slug>/", views.RegionView.as_view(), name="region"),
    path("coverage/topic/<slug:slug>/", views.TopicView.as_view(), name="topic"),
    # Discovery: search and feeds.
    path("search/", views.SearchView.as_view(), name="search"),
    *feeds.feed_paths(),
]
