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
    path("feeds/latest.rss", feeds.LatestBriefingsFeed(), name="feed-latest-rss"),
    path("feeds/latest.atom", feeds.LatestBriefingsAtomFeed(), name="feed-latest-atom"),
    path("feeds/category/<slug:slug>.rss", feeds.CategoryFeed(), name="feed-category-rss"),
    path("feeds/category/<slug:slug>.atom", feeds.CategoryAtomFeed(), name="feed-category-atom"),
    path("feeds/region/<slug:slug>.rss", feeds.RegionFeed(), name="feed-region-rss"),
    path("feeds/region/<slug:slug>.atom", feeds.RegionAtomFeed(), name="feed-region-atom"),
    path("feeds/topic/<slug:slug>.rss", feeds.TopicFeed(), name="feed-topic-rss"),
    path("feeds/topic/<slug:slug>.atom", feeds.TopicAtomFeed(), name="feed-topic-atom"),
]
