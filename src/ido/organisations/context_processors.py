def acting_membership(request):
    membership = getattr(request, "membership", None)
    memberships = getattr(request, "memberships", [])
    return {
        "membership": membership,
        "permissions": membership.permissions if membership else frozenset(),
        "can_switch_organisation": len(memberships) > 1,
    }
