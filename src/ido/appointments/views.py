from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.appointments import selectors, services
from ido.appointments.forms import ConsultationHourForm
from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.locations.selectors import locations_manageable_by


@permission_required("appointments.view")
def hour_list(request):
    hours = selectors.consultation_hours_for(request.membership).order_by("location__name", "title")
    return render(request, "appointments/hour_list.html", {"hours": hours})


@permission_required("appointments.manage_hours")
def hour_new(request):
    actor = request.membership
    form = ConsultationHourForm(
        data=request.POST if request.method == "POST" else None,
        locations=locations_manageable_by(actor).order_by("name"),
        providers=selectors.possible_providers(actor),
        initial={"starts_on": timezone.localdate(), "provider": actor.organisation},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        location = data.pop("location")
        data["weekdays"] = tuple(data["weekdays"])
        try:
            hour = services.create_consultation_hour(
                actor=actor, location=location, data=services.ConsultationHourInput(**data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The consultation hour “%(title)s” has been added.") % {"title": hour.title})
            return redirect("appointments:hour", pk=hour.pk)
    return render(request, "appointments/hour_form.html", {"form": form})


@permission_required("appointments.view")
def hour_detail(request, pk: int):
    """A consultation hour with its slots of the next two weeks and the places still free."""
    hour = get_object_or_404(selectors.consultation_hours_for(request.membership), pk=pk)
    today = timezone.localdate()
    slots = selectors.slots_with_places(hour, today, today + timedelta(days=13))
    return render(request, "appointments/hour_detail.html", {"hour": hour, "slots": slots})
