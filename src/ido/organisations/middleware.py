"""Which membership the logged-in user acts for in this request.

Sets `request.memberships` (the user's active memberships) and `request.membership` (the one they act for:
the one chosen in the session, or the only one; None when they have none or still have to choose).
"""

from ido.organisations.models import Membership
from ido.organisations.selectors import memberships_of

SESSION_KEY = "ido_membership_id"


def choose_membership(memberships: list[Membership], chosen_id: int | None) -> Membership | None:
    for membership in memberships:
        if membership.pk == chosen_id:
            return membership
    if len(memberships) == 1:
        return memberships[0]
    return None


class ActingMembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        request.membership = None
        if request.user.is_authenticated:
            request.memberships = memberships_of(request.user)
            request.membership = choose_membership(request.memberships, request.session.get(SESSION_KEY))
        return self.get_response(request)
