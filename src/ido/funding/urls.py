"""The funding pages under /app/funding/: the municipality's year, spending and library grants (officer_urls),
the national schemes and allocations (national_urls), and the account exports and generated documents
(document_urls)."""

from ido.funding import document_urls, national_urls, officer_urls

app_name = "funding"

urlpatterns = officer_urls.urlpatterns + national_urls.urlpatterns + document_urls.urlpatterns
