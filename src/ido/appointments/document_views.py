"""Documents about appointments to download: the printable appointment card."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache

from ido.appointments import documents, selectors, services
from ido.core.access import permission_required


@never_cache  # it carries the visitor's name: no copy in a browser or proxy cache
@permission_required("appointments.view")
def appointment_card(request, pk: int):
    """The appointment card as a PDF, to print and hand to the visitor. It shows personal data: the reading is
    audited, like the appointment page."""
    appointment = get_object_or_404(selectors.appointments_visible_to(request.membership), pk=pk)
    services.read_appointment(actor=request.membership, appointment=appointment)
    response = HttpResponse(documents.appointment_card_pdf(appointment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="afspraak-{appointment.pk}.pdf"'
    return response
