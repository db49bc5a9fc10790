"""The staff pages of the courses module, under /app/courses/: managing the catalogue and sessions
(manage_urls), enrolling visitors at the desk (desk_urls), and the documents and figures (document_urls)."""

from ido.courses import desk_urls, document_urls, manage_urls

app_name = "courses"

urlpatterns = manage_urls.urlpatterns + desk_urls.urlpatterns + document_urls.urlpatterns
